/**
 * Reads and writes the safetensors file format
 * (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * unsigned header size N, N bytes of JSON header, then the tensors' raw
 * little-endian bytes. The header maps each tensor name to its dtype, shape
 * and `data_offsets` [begin, end) relative to the start of the data, and
 * may hold a `__metadata__` object of string values. Only F32 tensors are
 * supported, because every model parameter is float32.
 */
import { Tensor, sizeOf } from './tensor';

/** Thrown for a model file that cannot be read. The message names the fault. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export interface SafetensorsContent {
  /** Tensors by name, in the order of their data offsets. */
  readonly tensors: ReadonlyMap<string, Tensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

const HEADER_SIZE_BYTES = 8;
const F32_BYTES = 4;
/** Largest header accepted, as in the reference implementation (100 MB). */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

/**
 * Encodes `tensors` and `metadata` as a safetensors file. Tensors are laid
 * out contiguously in the order given. The header is padded with spaces to a
 * multiple of 8 bytes so that the data starts aligned.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Readonly<Record<string, string>>,
): Uint8Array {
  const header: Record<string, unknown> = { [METADATA_KEY]: metadata };
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (name === METADATA_KEY) {
      throw new RangeError(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
    }
    const bytes = tensor.data.length * F32_BYTES;
    header[name] = {
      dtype: 'F32',
      shape: [...tensor.shape],
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }

  const json = JSON.stringify(header);
  const jsonLength = new TextEncoder().encode(json).length;
  const padding = (HEADER_SIZE_BYTES - (jsonLength % HEADER_SIZE_BYTES)) % HEADER_SIZE_BYTES;
  const headerBytes = new TextEncoder().encode(json + ' '.repeat(padding));

  const file = new Uint8Array(HEADER_SIZE_BYTES + headerBytes.length + offset);
  const view = new DataView(file.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  file.set(headerBytes, HEADER_SIZE_BYTES);
  let position = HEADER_SIZE_BYTES + headerBytes.length;
  for (const tensor of tensors.values()) {
    for (const value of tensor.data) {
      view.setFloat32(position, value, true);
      position += F32_BYTES;
    }
  }
  return file;
}

/**
 * Decodes a safetensors file. Throws ModelFileError when the file is
 * truncated or its header size or JSON is invalid. It also throws when a
 * tensor is not F32 or its offsets are out of range, overlap, leave a gap or
 * disagree with its shape. Metadata that is not a string map and NaN or
 * infinite values are rejected too.
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContent {
  if (bytes.length < HEADER_SIZE_BYTES) {
    throw new ModelFileError(
      `the file is truncated: it has ${bytes.length} bytes, fewer than the 8-byte header size`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = view.getBigUint64(0, true);
  if (headerSize < 2n || headerSize > BigInt(MAX_HEADER_BYTES)) {
    throw new ModelFileError(
      `invalid header size ${headerSize}: it must be from 2 to ${MAX_HEADER_BYTES} bytes`,
    );
  }
  const dataStart = HEADER_SIZE_BYTES + Number(headerSize);
  if (dataStart > bytes.length) {
    throw new ModelFileError(
      `the file is truncated: its header size is ${headerSize} bytes, but only ${bytes.length - HEADER_SIZE_BYTES} bytes follow`,
    );
  }

  const header = parseHeader(bytes.subarray(HEADER_SIZE_BYTES, dataStart));
  const dataLength = bytes.length - dataStart;
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, entry]) => ({ name, ...checkEntry(name, entry, dataLength) }))
    .sort((a, b) => a.begin - b.begin || a.end - b.end);

  // The tensors must tile the data section exactly: no overlap, no gap.
  let expectedBegin = 0;
  let previous = '';
  for (const entry of entries) {
    if (entry.begin < expectedBegin) {
      throw new ModelFileError(`tensor "${entry.name}" overlaps tensor "${previous}"`);
    }
    if (entry.begin > expectedBegin) {
      throw new ModelFileError(
        `the data has unused bytes ${expectedBegin} to ${entry.begin} before tensor "${entry.name}"`,
      );
    }
    expectedBegin = entry.end;
    previous = entry.name;
  }
  if (expectedBegin !== dataLength) {
    throw new ModelFileError(
      `the data section has ${dataLength} bytes, but the tensors cover ${expectedBegin}`,
    );
  }

  const tensors = new Map<string, Tensor>();
  for (const { name, shape, begin, end } of entries) {
    const data = new Float32Array((end - begin) / F32_BYTES);
    for (let i = 0; i < data.length; i++) {
      data[i] = view.getFloat32(dataStart + begin + i * F32_BYTES, true);
      if (!Number.isFinite(data[i])) {
        throw new ModelFileError(
          `tensor "${name}" has the non-finite value ${data[i]} at index ${i}`,
        );
      }
    }
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata: checkMetadata(header[METADATA_KEY]) };
}

function parseHeader(bytes: Uint8Array): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ModelFileError(`invalid JSON header: ${(error as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new ModelFileError('invalid JSON header: it must be an object of tensor entries');
  }
  return header as Record<string, unknown>;
}

/** Validates one header entry and returns its shape and byte range. */
function checkEntry(
  name: string,
  entry: unknown,
  dataLength: number,
): { shape: number[]; begin: number; end: number } {
  if (typeof entry !== 'object' || entry === null) {
    throw new ModelFileError(`tensor "${name}" has an invalid header entry`);
  }
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (dtype !== 'F32') {
    throw new ModelFileError(
      `tensor "${name}" has dtype ${JSON.stringify(dtype)}, but only F32 is supported`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new ModelFileError(
      `tensor "${name}" has an invalid shape ${JSON.stringify(shape)}: it must be a list of sizes`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((n) => Number.isSafeInteger(n) && n >= 0) ||
    offsets[0] > offsets[1] ||
    offsets[1] > dataLength
  ) {
    throw new ModelFileError(
      `tensor "${name}" has data_offsets ${JSON.stringify(offsets)} outside the ${dataLength} data bytes`,
    );
  }
  const [begin, end] = offsets as number[];
  const expected = sizeOf(shape) * F32_BYTES;
  if (end - begin !== expected) {
    throw new ModelFileError(
      `tensor "${name}" has shape [${shape.join(', ')}], which needs ${expected} bytes, but its data_offsets span ${end - begin}`,
    );
  }
  return { shape: shape as number[], begin, end };
}

function checkMetadata(metadata: unknown): Record<string, string> {
  if (metadata === undefined) {
    return {};
  }
  if (
    typeof metadata !== 'object' ||
    metadata === null ||
    Array.isArray(metadata) ||
    !Object.values(metadata).every((value) => typeof value === 'string')
  ) {
    throw new ModelFileError('invalid __metadata__: it must be an object of string values');
  }
  return metadata as Record<string, string>;
}
