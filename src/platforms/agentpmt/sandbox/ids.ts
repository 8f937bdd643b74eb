import { createHash } from "node:crypto";

/** Mongo ObjectIds are 24 hex digits; the platform validates path ids against this shape. */
export const OBJECT_ID_RE = /^[0-9a-fA-F]{24}$/;

export function isObjectId(value: string): boolean {
  return OBJECT_ID_RE.test(value);
}

/**
 * A stable ObjectId-shaped id derived from a label, so seeded entities keep the same
 * id across runs and machines (tests and docs can quote them).
 */
export function stableHexId(label: string): string {
  return createHash("sha256").update(`agentpmt-sandbox:${label}`).digest("hex").slice(0, 24);
}

/** Small seeded PRNG (mulberry32): the catalog must be identical on every start. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mints ObjectId-like ids for runtime documents (runs, issues, orders...). Built like a real
 * ObjectId (creation second + fixed machine part + counter) so they sort by creation and
 * stay deterministic for a given clock.
 */
export class ObjectIdFactory {
  private counter = 0;

  constructor(private readonly now: () => number) {}

  next(): string {
    this.counter = (this.counter + 1) & 0xffffff;
    const seconds = Math.floor(this.now() / 1000) >>> 0;
    return seconds.toString(16).padStart(8, "0") + "5a4e44424f" + this.counter.toString(16).padStart(6, "0");
  }

  reset(): void {
    this.counter = 0;
  }
}
