// The safetensors file format, read and written: an 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}},
// then the raw little-endian tensor bytes. Only F32 and I32 are used here.

import { InteropError } from './exportFolder.js';

export interface SafeTensor {
  name: string;
  dtype: 'F32' | 'I32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export function encodeSafetensors(tensors: readonly SafeTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`tensor ${t.name} has ${t.data.length} values but shape [${t.shape.join(', ')}]`);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // The data starts 8-byte aligned, as the reference writer pads the header with spaces.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let o = 8 + head.byteLength;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), o);
    o += t.data.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** Parses a safetensors file; `where` names it in the one-sentence errors. */
export function decodeSafetensors(bytes: Uint8Array, where: string): DecodedSafetensors {
  if (bytes.byteLength < 8) throw new InteropError(`${where} is truncated: ${bytes.byteLength} bytes, less than a safetensors header`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + headerLength > bytes.byteLength)
    throw new InteropError(`${where} is truncated: its header needs ${headerLength} bytes but the file has ${bytes.byteLength}`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8'));
  } catch {
    throw new InteropError(`${where} is corrupt: its safetensors header is not valid JSON`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new InteropError(`${where} is corrupt: its safetensors header is not an object`);
  const dataStart = 8 + headerLength;
  const dataBytes = bytes.byteLength - dataStart;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  let end = 0;
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e.dtype !== 'F32' && e.dtype !== 'I32') throw new InteropError(`${where}: tensor ${name} is ${String(e.dtype)}; only F32 (and I32 ids) can be read`);
    const shape = e.shape;
    const offsets = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0) || !Array.isArray(offsets) || offsets.length !== 2) {
      throw new InteropError(`${where} is corrupt: tensor ${name} has no valid shape and data_offsets`);
    }
    const [begin, stop] = offsets as number[];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (stop - begin !== 4 * count || begin < 0)
      throw new InteropError(`${where} is corrupt: tensor ${name} has ${stop - begin} bytes for shape [${shape.join(', ')}]`);
    if (stop > dataBytes) throw new InteropError(`${where} is truncated: tensor ${name} ends at byte ${stop} of ${dataBytes}`);
    end = Math.max(end, stop);
    // A copy of its own: Buffer.slice would share (and expose) the whole pooled buffer.
    const raw = new Uint8Array(stop - begin);
    raw.set(bytes.subarray(dataStart + begin, dataStart + stop));
    const data = e.dtype === 'F32' ? new Float32Array(raw.buffer) : new Int32Array(raw.buffer);
    tensors.set(name, { name, dtype: e.dtype, shape: shape as number[], data });
  }
  if (end !== dataBytes) throw new InteropError(`${where} is corrupt: it holds ${dataBytes} data bytes but its tensors cover ${end}`);
  return { tensors, metadata };
}
