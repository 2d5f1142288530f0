// Exact rational numbers for the block planner: the planner in pipeline/runner/blocking.py uses
// Python's Fraction, and the browser must place every block on the same pixel.

function gcd(a, b) {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a || 1;
}

export class Fraction {
  constructor(n, d = 1) {
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d) || d === 0) throw new Error(`bad fraction ${n}/${d}`);
    const sign = d < 0 ? -1 : 1;
    const g = gcd(n, d);
    this.n = (sign * n) / g;
    this.d = Math.abs(d) / g;
  }

  static of(value) {
    if (value instanceof Fraction) return value;
    if (Array.isArray(value)) return new Fraction(value[0], value[1]);
    return new Fraction(value, 1);
  }

  add(o) { o = Fraction.of(o); return new Fraction(this.n * o.d + o.n * this.d, this.d * o.d); }
  sub(o) { o = Fraction.of(o); return new Fraction(this.n * o.d - o.n * this.d, this.d * o.d); }
  mul(o) { o = Fraction.of(o); return new Fraction(this.n * o.n, this.d * o.d); }
  div(o) { o = Fraction.of(o); return new Fraction(this.n * o.d, this.d * o.n); }
  floor() { return floorDiv(this.n, this.d); }
  ceil() { return -floorDiv(-this.n, this.d); }
  trunc() { return this.n < 0 ? -floorDiv(-this.n, this.d) : floorDiv(this.n, this.d); }  // Python's int()
  cmp(o) { o = Fraction.of(o); return Math.sign(this.n * o.d - o.n * this.d); }
  le(o) { return this.cmp(o) <= 0; }
}

// floor(n / d) for integers, exactly (n / d in floating point can round across an integer)
export function floorDiv(n, d) {
  const q = Math.floor(n / d);
  if (q * d > n) return q - 1;
  if ((q + 1) * d <= n) return q + 1;
  return q;
}

// Python's `a % b` for integers (the sign of b)
export function mod(a, b) {
  return ((a % b) + b) % b;
}
