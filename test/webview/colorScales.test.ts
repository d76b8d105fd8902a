// Pure functions of the renderer: colour scales and number formatting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colorFor, cssColor, scaleFor, sharedScale } from '../../protocol/colorScales';
import { formatShape, formatValue, stridesOf } from '../../webview/numberFormat';

describe('colour scales', () => {
  it('gives probabilities a fixed sequential [0, 1] scale and signed data a symmetric diverging one', () => {
    assert.deepEqual(scaleFor({ min: 0.01, max: 0.6 }), { kind: 'sequential', min: 0, max: 1 });
    assert.deepEqual(scaleFor({ min: -0.5, max: 2 }), { kind: 'diverging', min: -2, max: 2 });
    assert.deepEqual(scaleFor({ min: 0, max: 47 }), { kind: 'sequential', min: 0, max: 47 });
    assert.deepEqual(scaleFor({ min: 3, max: 3 }), { kind: 'sequential', min: 3, max: 4 });
    assert.deepEqual(
      sharedScale([
        { min: 0, max: 0.2 },
        { min: 0.1, max: 0.9 },
      ]),
      { kind: 'sequential', min: 0, max: 1 },
    );
  });

  it('maps the ends and the middle to viridis and coolwarm stops, clamping outside the domain', () => {
    const probabilities = scaleFor({ min: 0, max: 1 });
    assert.deepEqual(colorFor(0, probabilities), [68, 1, 84]);
    assert.deepEqual(colorFor(1, probabilities), [253, 231, 37]);
    assert.deepEqual(colorFor(7, probabilities), [253, 231, 37]);
    const signed = scaleFor({ min: -1, max: 1 });
    assert.deepEqual(colorFor(0, signed), [242, 242, 242]);
    assert.deepEqual(colorFor(-1, signed), [59, 76, 192]);
    assert.deepEqual(colorFor(1, signed), [180, 4, 38]);
    assert.equal(cssColor([1, 2, 3]), 'rgb(1, 2, 3)');
  });

  it('interpolates between stops', () => {
    const scale = scaleFor({ min: 0, max: 1 });
    assert.deepEqual(colorFor(1 / 18, scale), [70, 21, 102]);
  });
});

describe('number formatting', () => {
  it('formats shapes like torch.Size and values with four significant digits', () => {
    assert.equal(formatShape([2, 4, 6]), '(2, 4, 6)');
    assert.equal(formatShape([5]), '(5,)');
    assert.equal(formatValue(0.123456), '0.1235');
    assert.equal(formatValue(1234567), '1.235e+6');
    assert.equal(formatValue(NaN), 'nan');
    assert.equal(formatValue(-Infinity), '-inf');
    assert.deepEqual(stridesOf([2, 3, 4]), [12, 4, 1]);
  });
});
