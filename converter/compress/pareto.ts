// Pareto front of evaluated candidates: the ones no other candidate beats on every objective at
// once (size down, accuracy up, latency down). O(n²), which is fine for the hundreds of
// candidates a search evaluates.

export interface Objective<T> {
  value(p: T): number;
  /** 'min': smaller is better; 'max': larger is better. */
  sense: 'min' | 'max';
}

/** True when `a` is at least as good as `b` on every objective and strictly better on one. */
export function dominates<T>(a: T, b: T, objectives: Objective<T>[]): boolean {
  let better = false;
  for (const o of objectives) {
    const va = o.sense === 'min' ? -o.value(a) : o.value(a);
    const vb = o.sense === 'min' ? -o.value(b) : o.value(b);
    if (va < vb) return false;
    if (va > vb) better = true;
  }
  return better;
}

/** Indices of the non-dominated points, in input order (ties: equal points are all kept). */
export function paretoFront<T>(points: T[], objectives: Objective<T>[]): number[] {
  const front: number[] = [];
  for (let i = 0; i < points.length; i++) {
    let dominated = false;
    for (let j = 0; j < points.length && !dominated; j++) {
      if (j !== i && dominates(points[j], points[i], objectives)) dominated = true;
    }
    if (!dominated) front.push(i);
  }
  return front;
}
