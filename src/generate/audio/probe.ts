/**
 * Durations of uploaded audio, for billing and sizing transcripts. WAV is read here because
 * streamed WAV files (OpenAI's own among them) leave the size fields at 0 or 0xFFFFFFFF, so the
 * duration has to come from the bytes actually present; everything else goes to music-metadata.
 */

/**
 * Duration in seconds of an uploaded audio file (wav, mp3, ogg, flac, m4a, webm... whatever
 * music-metadata reads), or null when the bytes are not audio it can read. Never throws.
 */
export async function probeAudioDuration(bytes: Buffer, filename?: string, mimeType?: string): Promise<number | null> {
  try {
    if (bytes.length === 0) return null;
    const wav = wavDuration(bytes);
    if (wav !== undefined) return wav;
    // Loaded here: only transcriptions of non-WAV uploads need it, and it costs ≈ 50 ms of start-up.
    const { parseBuffer } = await import('music-metadata');
    const metadata = await parseBuffer(bytes, { mimeType, path: filename, size: bytes.length }, { duration: true, skipCovers: true });
    if (!metadata.format.hasAudio && metadata.format.hasAudio !== undefined) return null;
    return validDuration(metadata.format.duration);
  } catch {
    return null;
  }
}

interface WavFormat {
  formatTag: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const UNKNOWN_SIZE = 0xffffffff;

/** Seconds of a RIFF/WAVE file; null for a broken one, undefined when the bytes are not RIFF/WAVE. */
function wavDuration(bytes: Buffer): number | null | undefined {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let format: WavFormat | undefined;
  let frames: number | undefined;
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const declared = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= bytes.length) format = readFormat(bytes, body);
    if (id === 'fact' && body + 4 <= bytes.length) frames = bytes.readUInt32LE(body);
    if (id === 'data') {
      // A streamed file cannot know its size up front: trust the bytes that arrived instead.
      const present = bytes.length - body;
      const size = declared === 0 || declared === UNKNOWN_SIZE || declared > present ? present : declared;
      return format ? dataDuration(format, size, frames) : null;
    }
    offset = body + declared + (declared % 2);
  }
  return null;
}

function readFormat(bytes: Buffer, at: number): WavFormat {
  return {
    formatTag: bytes.readUInt16LE(at),
    sampleRate: bytes.readUInt32LE(at + 4),
    byteRate: bytes.readUInt32LE(at + 8),
    blockAlign: bytes.readUInt16LE(at + 12),
  };
}

function dataDuration(format: WavFormat, dataBytes: number, factFrames: number | undefined): number | null {
  if (format.sampleRate === 0) return null;
  const uncompressed = [WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_EXTENSIBLE].includes(format.formatTag);
  // Compressed WAV (ADPCM, MP3-in-WAV...) states its length in samples in the fact chunk.
  if (!uncompressed && factFrames !== undefined && factFrames > 0) return validDuration(factFrames / format.sampleRate);
  if (format.blockAlign > 0 && uncompressed) return validDuration(Math.floor(dataBytes / format.blockAlign) / format.sampleRate);
  return format.byteRate > 0 ? validDuration(dataBytes / format.byteRate) : null;
}

function validDuration(seconds: number | undefined): number | null {
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}
