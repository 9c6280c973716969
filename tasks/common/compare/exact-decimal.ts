/**
 * Exact decimal arithmetic on BigInt, for two jobs:
 *
 * 1. MLflow's `MetricThreshold` compares `Decimal(candidate)` with `Decimal(baseline ± change)`.
 *    Python's `Decimal(float)` is the exact binary value of the double, so the comparison is between
 *    the exact decimal expansions of two doubles ({@link exactDecimalOfDouble}). That is why
 *    `0.3 >= 0.1 + 0.2` is false there and here: 0.1 + 0.2 rounds to
 *    0.3000000000000000444089209850062616169452667236328125, while 0.3 is
 *    0.299999999999999988897769753748434595763683319091796875.
 * 2. Guardrails are our own rule; their documented boundary ("exactly +10% passes") must hold for
 *    the numbers a person reads, so they compute on the shortest decimal that round-trips each
 *    double ({@link shortestDecimalOfDouble}), where 200 * 1.1 is exactly 220.
 */

/** A finite decimal `coefficient * 10^exponent`, held exactly. */
export interface Decimal {
  readonly coefficient: bigint;
  readonly exponent: number;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function normalize(value: Decimal): Decimal {
  let { coefficient, exponent } = value;
  if (coefficient === 0n) return { coefficient: 0n, exponent: 0 };
  while (coefficient % 10n === 0n) {
    coefficient /= 10n;
    exponent += 1;
  }
  return { coefficient, exponent };
}

function requireFinite(value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${value} has no finite decimal expansion`);
}

/** The exact value of a double, like Python's `Decimal(float)`; throws for NaN and infinities. */
export function exactDecimalOfDouble(value: number): Decimal {
  requireFinite(value);
  if (value === 0) return { coefficient: 0n, exponent: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // value = mantissa * 2^power2, with an implicit leading bit except for subnormals.
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const power2 = (biased === 0 ? 1 : biased) - 1075;
  const signed = negative ? -mantissa : mantissa;
  if (power2 >= 0) return normalize({ coefficient: signed << BigInt(power2), exponent: 0 });
  // m / 2^k = m * 5^k / 10^k: every binary fraction has a finite decimal expansion.
  return normalize({ coefficient: signed * 5n ** BigInt(-power2), exponent: power2 });
}

/** The shortest decimal that reads back as this double (what `String(value)` prints), held exactly. */
export function shortestDecimalOfDouble(value: number): Decimal {
  requireFinite(value);
  return parseDecimal(String(value));
}

/** An integer as a decimal. */
export function decimalOfBigInt(value: bigint): Decimal {
  return normalize({ coefficient: value, exponent: 0 });
}

const decimalLiteral = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses a plain or scientific decimal literal (`-12.5`, `1e-7`). */
export function parseDecimal(text: string): Decimal {
  const match = decimalLiteral.exec(text.trim());
  if (!match) throw new SyntaxError(`'${text}' is not a decimal number`);
  const [, sign, whole, fractional = '', exp = '0'] = match;
  const coefficient = BigInt(`${whole}${fractional}`);
  return normalize({ coefficient: sign === '-' ? -coefficient : coefficient, exponent: Number(exp) - fractional.length });
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exponent = Math.min(a.exponent, b.exponent);
  return [a.coefficient * pow10(a.exponent - exponent), b.coefficient * pow10(b.exponent - exponent), exponent];
}

/** a + b, exactly. */
export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, exponent] = align(a, b);
  return normalize({ coefficient: x + y, exponent });
}

/** a - b, exactly. */
export function subtractDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, exponent] = align(a, b);
  return normalize({ coefficient: x - y, exponent });
}

/** a * b, exactly. */
export function multiplyDecimal(a: Decimal, b: Decimal): Decimal {
  return normalize({ coefficient: a.coefficient * b.coefficient, exponent: a.exponent + b.exponent });
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The plain (never scientific) decimal text of the value, e.g. `0.3000000000000000444089209850062616169452667236328125`. */
export function formatDecimal(value: Decimal): string {
  const negative = value.coefficient < 0n;
  const digits = (negative ? -value.coefficient : value.coefficient).toString();
  let text: string;
  if (value.exponent >= 0) {
    text = digits + '0'.repeat(value.exponent);
  } else {
    const places = -value.exponent;
    const padded = digits.padStart(places + 1, '0');
    text = `${padded.slice(0, padded.length - places)}.${padded.slice(padded.length - places)}`;
  }
  return negative ? `-${text}` : text;
}

/** A number as MLflow rules carry it: a double, or an integer that YAML gave as a BigInt. */
export type RuleNumber = number | bigint;

/**
 * Compares two values by their exact values (doubles by their binary value, integers exactly), the
 * way Python compares floats and ints and `Decimal(float)`s. Infinities order as usual; NaN throws,
 * because Python's `Decimal` comparison raises on it and we refuse to guess a verdict.
 */
export function compareExact(a: RuleNumber, b: RuleNumber): -1 | 0 | 1 {
  for (const value of [a, b]) {
    if (typeof value === 'number' && Number.isNaN(value)) throw new RangeError('NaN cannot be compared');
  }
  const infinity = (value: RuleNumber): number => (typeof value === 'number' && !Number.isFinite(value) ? Math.sign(value) : 0);
  const ia = infinity(a);
  const ib = infinity(b);
  if (ia !== 0 || ib !== 0) return ia === ib ? 0 : ia < ib ? -1 : 1;
  const da = typeof a === 'bigint' ? decimalOfBigInt(a) : exactDecimalOfDouble(a);
  const db = typeof b === 'bigint' ? decimalOfBigInt(b) : exactDecimalOfDouble(b);
  return compareDecimal(da, db);
}

/** The exact decimal text of a rule number, or `Infinity`/`-Infinity`/`NaN`. */
export function formatExact(value: RuleNumber): string {
  if (typeof value === 'bigint') return value.toString();
  if (!Number.isFinite(value)) return String(value);
  return formatDecimal(exactDecimalOfDouble(value));
}
