"""The hall's voice: join voice-pack clips into one WAV and play it on a speaker.

- `audio`: mono 16-bit PCM in pure Python (read/convert any PCM WAV, trim, normalise,
  join with pauses, write), and the two-tone chime;
- `pack`: a voice pack looked up in a hall's folder first, then the default pack;
- `player`: speakers by URL (``local://``, ``file:///dir``, ``sim://``);
- `make_voice_pack`: generates the default pack from espeak-ng
  (``python -m hardware.speaker.make_voice_pack assets/voice/vi``).

Knows nothing of tickets or counters: it receives clip names and sounds.
"""

from hardware.speaker.audio import RATE, AudioFormatError, Pause, Pcm, concatenate, read_wav, wav_bytes
from hardware.speaker.pack import MissingClipsError, VoicePack
from hardware.speaker.player import AudioOutputError, Speaker, open_speaker, play_wav

__all__ = [
    "RATE",
    "AudioFormatError",
    "AudioOutputError",
    "MissingClipsError",
    "Pause",
    "Pcm",
    "Speaker",
    "VoicePack",
    "concatenate",
    "open_speaker",
    "play_wav",
    "read_wav",
    "wav_bytes",
]
