import assert from 'node:assert/strict';
import {
  addDecimal, compareExact, exactDecimalOfDouble, formatDecimal, formatExact, multiplyDecimal, parseDecimal, shortestDecimalOfDouble, subtractDecimal,
} from '../../../tasks/common/compare/exact-decimal';
import { createRandom } from '../../../tasks/common/compare/bootstrap';

describe('compare/exact-decimal', () => {
  it('gives the exact binary value of a double, as Python Decimal(float) does', () => {
    assert.equal(formatDecimal(exactDecimalOfDouble(0.1)), '0.1000000000000000055511151231257827021181583404541015625');
    assert.equal(formatDecimal(exactDecimalOfDouble(0.3)), '0.299999999999999988897769753748434595763683319091796875');
    assert.equal(formatDecimal(exactDecimalOfDouble(0.1 + 0.2)), '0.3000000000000000444089209850062616169452667236328125');
    assert.equal(formatDecimal(exactDecimalOfDouble(-2.5)), '-2.5');
    assert.equal(formatDecimal(exactDecimalOfDouble(2 ** 60)), '1152921504606846976');
    assert.equal(formatDecimal(exactDecimalOfDouble(0)), '0');
    assert.equal(formatDecimal(exactDecimalOfDouble(-0)), '0');
    // The smallest subnormal, 2^-1074, has 1074 decimal places.
    assert.equal(formatDecimal(exactDecimalOfDouble(5e-324)).length, 1076);
    assert.throws(() => exactDecimalOfDouble(NaN), RangeError);
  });

  it('orders doubles exactly as their binary values (agrees with < on many random pairs)', () => {
    const random = createRandom(7);
    const view = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 3000; i++) {
      view.setUint32(0, Math.floor(random() * 2 ** 32));
      view.setUint32(4, Math.floor(random() * 2 ** 32));
      const a = view.getFloat64(0);
      const b = i % 3 === 0 ? a : i % 3 === 1 ? a * (1 + Number.EPSILON) : (random() - 0.5) * 10;
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      assert.equal(compareExact(a, b), a < b ? -1 : a > b ? 1 : 0, `${a} vs ${b}`);
    }
  });

  it('compares integers and doubles exactly, and orders infinities', () => {
    assert.equal(compareExact(9007199254740992, 9007199254740993n), -1);
    assert.equal(compareExact(9007199254740992, 9007199254740992n), 0);
    assert.equal(compareExact(Infinity, 10n ** 400n), 1);
    assert.equal(compareExact(-Infinity, -Infinity), 0);
    assert.throws(() => compareExact(NaN, 1), RangeError);
    assert.equal(formatExact(Infinity), 'Infinity');
    assert.equal(formatExact(5n), '5');
  });

  it('reads the shortest round-trip decimal and computes on it exactly', () => {
    assert.equal(formatDecimal(shortestDecimalOfDouble(1e-7)), '0.0000001');
    assert.equal(formatDecimal(shortestDecimalOfDouble(1.5e21)), '1500000000000000000000');
    assert.equal(formatDecimal(multiplyDecimal(parseDecimal('200'), parseDecimal('1.1'))), '220');
    assert.equal(formatDecimal(addDecimal(parseDecimal('0.1'), parseDecimal('0.2'))), '0.3');
    assert.equal(formatDecimal(subtractDecimal(parseDecimal('1'), parseDecimal('1.25'))), '-0.25');
    assert.throws(() => parseDecimal('1,5'), SyntaxError);
  });
});
