/** Correlated shocks across symbols: validation and Cholesky factor of the correlation matrix. */
import { TradeKitError, describeValue } from '@tradekit/types';
import { simError } from './errors.js';

/** Eigenvalues of a small symmetric matrix (cyclic Jacobi), ascending; used to explain a non-PSD matrix. */
export function symmetricEigenvalues(matrix: readonly (readonly number[])[]): number[] {
  const n = matrix.length;
  const a = matrix.map((r) => [...r]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (a[p]![q] as number) ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((a[q]![q] as number) - (a[p]![p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p] as number;
          const akq = a[k]![q] as number;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k] as number;
          const aqk = a[q]![k] as number;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((r, i) => r[i] as number).sort((x, y) => x - y);
}

/**
 * Checks a correlation matrix (square, symmetric, unit diagonal, entries in [−1, 1], positive
 * semi-definite) and returns its lower Cholesky factor L with `L·Lᵀ = C` (zero columns where C is
 * singular). Throws `SIM_CORRELATION_SHAPE` or `SIM_CORRELATION_NOT_PSD`.
 *
 * @example
 * choleskyCorrelation([[1, 0.8], [0.8, 1]]) // [[1, 0], [0.8, 0.6]]
 */
export function choleskyCorrelation(matrix: unknown, symbols?: readonly string[]): number[][] {
  const n = symbols?.length ?? (Array.isArray(matrix) ? matrix.length : 0);
  if (!Array.isArray(matrix) || matrix.length !== n || n === 0) {
    throw simError('SIM_CORRELATION_SHAPE', 'correlation', `a ${n}×${n} array of rows (one per symbol)`, matrix);
  }
  const c: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = matrix[i];
    if (!Array.isArray(row) || row.length !== n) {
      throw simError('SIM_CORRELATION_SHAPE', `correlation[${i}]`, `a row of ${n} numbers`, row);
    }
    for (let j = 0; j < n; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < -1 || v > 1) {
        throw simError('SIM_CORRELATION_SHAPE', `correlation[${i}][${j}]`, 'a number from -1 to 1', v);
      }
    }
    if (Math.abs((row[i] as number) - 1) > 1e-9) {
      throw simError(
        'SIM_CORRELATION_SHAPE',
        `correlation[${i}][${i}]`,
        '1 (a symbol is fully correlated with itself)',
        row[i],
      );
    }
    c.push(row as number[]);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs((c[i]![j] as number) - (c[j]![i] as number)) > 1e-9) {
        throw simError(
          'SIM_CORRELATION_SHAPE',
          `correlation[${i}][${j}]`,
          `equal to correlation[${j}][${i}] = ${c[j]![i]} (the matrix must be symmetric)`,
          c[i]![j],
        );
      }
    }
  }
  const L: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const tol = 1e-10;
  for (let j = 0; j < n; j++) {
    let d = c[j]![j] as number;
    for (let k = 0; k < j; k++) d -= (L[j]![k] as number) ** 2;
    if (d < -tol) {
      const eig = symmetricEigenvalues(c);
      const names = symbols ? symbols.slice(0, j + 1).join(', ') : `rows 0–${j}`;
      throw new TradeKitError(
        'SIM_CORRELATION_NOT_PSD',
        `Expected \`correlation\` to be positive semi-definite, got ${describeValue(matrix)}: its smallest eigenvalue is ${eig[0]!.toFixed(4)} ` +
          `and the correlations among ${names} are mutually inconsistent (e.g. A~B and A~C strongly positive but B~C strongly negative). ` +
          'Lower the offending correlations, or build the matrix from data (a sample correlation matrix is always PSD).',
        { details: { field: 'correlation', value: matrix, smallestEigenvalue: eig[0], row: j } },
      );
    }
    const djj = d > tol ? Math.sqrt(d) : 0;
    L[j]![j] = djj;
    for (let i = j + 1; i < n; i++) {
      let s = c[i]![j] as number;
      for (let k = 0; k < j; k++) s -= (L[i]![k] as number) * (L[j]![k] as number);
      L[i]![j] = djj > 0 ? s / djj : 0;
    }
  }
  return L;
}
