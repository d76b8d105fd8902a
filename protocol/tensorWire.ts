/**
 * How tensors cross process boundaries (kernel → extension → webview, and into saved .ipynb files):
 * a small JSON header with the float32 values as base64, so payloads are compact and survive the
 * notebook serializer byte for byte. Dependency-free: runs in Node and in the renderer's browser.
 */

export type WireDType = 'float32' | 'int32' | 'bool';

export interface TensorPayload {
  shape: number[];
  dtype: WireDType;
  /** Row-major values as little-endian float32, base64-encoded. */
  values: string;
}

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const base64Codes = Uint8Array.from(base64Alphabet, (c) => c.charCodeAt(0));

/** Standard base64 with padding, through a table into ASCII bytes: linear time in Node and browsers
 *  alike (btoa over a binary string took 370 ms for 360 kB in Node). */
function bytesToBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let at = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const triple = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[at++] = base64Codes[triple >> 18];
    out[at++] = base64Codes[(triple >> 12) & 63];
    out[at++] = base64Codes[(triple >> 6) & 63];
    out[at++] = base64Codes[triple & 63];
  }
  const left = bytes.length - i;
  if (left > 0) {
    const triple = (bytes[i] << 16) | (left === 2 ? bytes[i + 1] << 8 : 0);
    out[at++] = base64Codes[triple >> 18];
    out[at++] = base64Codes[(triple >> 12) & 63];
    out[at++] = left === 2 ? base64Codes[(triple >> 6) & 63] : 61; // '='
    out[at++] = 61;
  }
  return new TextDecoder('ascii').decode(out);
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

export function encodeFloat32(values: ArrayLike<number>): string {
  const floats = Float32Array.from(values);
  const bytes = new Uint8Array(floats.buffer);
  if (!isLittleEndian()) {
    for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  }
  return bytesToBase64(bytes);
}

export function decodeFloat32(text: string): Float32Array {
  const bytes = base64ToBytes(text);
  if (bytes.length % 4 !== 0)
    throw new Error(`decodeFloat32: ${bytes.length} bytes is not a whole number of float32 values`);
  if (!isLittleEndian()) {
    for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  }
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

export function encodeTensor(shape: readonly number[], dtype: WireDType, values: ArrayLike<number>): TensorPayload {
  const count = shape.reduce((n, d) => n * d, 1);
  if (values.length !== count) throw new Error(`encodeTensor: ${values.length} values for shape [${shape.join(', ')}]`);
  return { shape: [...shape], dtype, values: encodeFloat32(values) };
}

export function decodeTensor(payload: TensorPayload): { shape: number[]; dtype: WireDType; values: Float32Array } {
  const values = decodeFloat32(payload.values);
  const count = payload.shape.reduce((n, d) => n * d, 1);
  if (values.length !== count)
    throw new Error(`decodeTensor: ${values.length} values for shape [${payload.shape.join(', ')}]`);
  return { shape: [...payload.shape], dtype: payload.dtype, values };
}
