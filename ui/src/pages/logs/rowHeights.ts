// Row positions for a virtualized list whose rows may be of different heights (wrapped log
// lines): a Fenwick tree of the heights, so that the start of a row and the row at a given
// offset take O(log n) whatever the count, and appending rows does not recompute the others.

export class RowHeights {
  private heights = new Float64Array(0);
  private tree = new Float64Array(1);
  private count = 0;

  constructor(readonly defaultHeight: number) {}

  get size(): number {
    return this.count;
  }

  /** Sets the row count; new rows take the default height. */
  setCount(count: number): void {
    if (count > this.heights.length) this.grow(Math.max(count, this.heights.length * 2, 1024));
    if (count < this.count) {
      for (let i = count; i < this.count; i++) this.add(i, this.defaultHeight - this.heights[i]);
      this.heights.fill(this.defaultHeight, count, this.count);
    }
    this.count = count;
  }

  /** Every row back to the default height (the rows shown changed). */
  reset(count: number): void {
    this.heights = new Float64Array(0);
    this.tree = new Float64Array(1);
    this.count = 0;
    this.setCount(count);
  }

  height(i: number): number {
    return this.heights[i] ?? this.defaultHeight;
  }

  /** Records a measured height; returns whether it changed. */
  set(i: number, height: number): boolean {
    if (i < 0 || i >= this.count || !(height > 0)) return false;
    const delta = height - this.heights[i];
    if (Math.abs(delta) < 0.5) return false;
    this.heights[i] = height;
    this.add(i, delta);
    return true;
  }

  /** The top of row `i` (the sum of the heights before it). */
  start(i: number): number {
    let sum = 0;
    for (let k = Math.min(i, this.count); k > 0; k -= k & -k) sum += this.tree[k];
    return sum;
  }

  total(): number {
    return this.start(this.count);
  }

  /** The row at offset `y` (clamped to the rows there are). */
  indexAt(y: number): number {
    if (this.count === 0) return 0;
    let pos = 0;
    let rest = y;
    let step = 1;
    while (step * 2 <= this.heights.length) step *= 2;
    for (; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= this.heights.length && this.tree[next] <= rest) {
        pos = next;
        rest -= this.tree[next];
      }
    }
    return Math.min(pos, this.count - 1);
  }

  private add(i: number, delta: number): void {
    for (let k = i + 1; k < this.tree.length; k += k & -k) this.tree[k] += delta;
  }

  private grow(capacity: number): void {
    const heights = new Float64Array(capacity);
    heights.set(this.heights);
    heights.fill(this.defaultHeight, this.heights.length);
    this.heights = heights;
    // Build the tree in O(n): each node passes its sum to its parent. Rows past the count
    // hold the default height but sit after every row in use, so no prefix in use sees them.
    const tree = new Float64Array(capacity + 1);
    for (let k = 1; k <= capacity; k++) {
      tree[k] += heights[k - 1];
      const parent = k + (k & -k);
      if (parent <= capacity) tree[parent] += tree[k];
    }
    this.tree = tree;
  }
}
