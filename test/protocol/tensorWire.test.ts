import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mimeTypes } from '../../protocol/mimeTypes';
import { decodeFloat32, decodeTensor, encodeFloat32, encodeTensor } from '../../protocol/tensorWire';

test('tensor payloads round-trip through JSON exactly, special values included', () => {
  const values = [0, -0, 1.5, -1e-30, 3.4e38, NaN, Infinity, -Infinity, 0.1];
  const payload = encodeTensor([3, 3], 'float32', values);
  const decoded = decodeTensor(JSON.parse(JSON.stringify(payload)));
  assert.deepEqual(decoded.shape, [3, 3]);
  assert.deepEqual(Array.from(decoded.values), Array.from(Float32Array.from(values)));
  assert.ok(Object.is(decoded.values[1], -0));
  assert.equal(
    payload.values,
    'AAAAAAAAAIAAAMA/YEKijZ7Jf38AAMB/AACAfwAAgP/NzMw9',
    'the bytes Python struct.pack("<9f", ...) gives',
  );
});

test('a payload whose values do not fit its shape is rejected', () => {
  assert.throws(() => encodeTensor([2, 2], 'float32', [1, 2, 3]), /encodeTensor: 3 values for shape \[2, 2\]/);
  const payload = encodeTensor([2], 'int32', [1, 2]);
  assert.throws(() => decodeTensor({ ...payload, shape: [3] }), /decodeTensor: 2 values for shape \[3\]/);
});

test('every mime is a +json mime, so the .ipynb serializer stores it as JSON', () => {
  for (const mime of Object.values(mimeTypes)) assert.match(mime, /^application\/vnd\.attention-lab\.[a-z]+\+json$/);
});

test('base64 matches Node for every padding and round-trips a megabyte', () => {
  for (let count = 0; count < 12; count++) {
    const values = Float32Array.from({ length: count }, (_, i) => Math.sin(i * 7) * 1e3);
    assert.equal(encodeFloat32(values), Buffer.from(values.buffer).toString('base64'), `${count} values`);
  }
  const big = Float32Array.from({ length: 1 << 18 }, (_, i) => i / 3);
  assert.deepEqual(decodeFloat32(encodeFloat32(big)), big);
});
