// The audit trail tab (filled in by the audit step).

export async function load() {}
