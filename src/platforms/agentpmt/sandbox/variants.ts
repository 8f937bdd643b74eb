import { seededRandom } from "./ids.js";
/**
 * Where the seeds are silent the sandbox must not simply agree with the client's guess:
 * each variant answers one undocumented question differently, so the e2e suites prove the
 * client copes with every plausible platform, not with its own reflection.
 */

export interface SandboxVariant {
  /** Named in test output. */
  name: string;
  /**
   * Shape of GET /api/external/tools. 'documented': `{tools:[{product_id, slug, actions:[{slug,
   * parameters, price_credits, price_usd}]}], pagination}`. 'alternate': `{data:{items:[{id,
   * product_slug, title, functions:[{action_slug, input_schema, price_usd}]}]}, meta}`: no
   * `slug`, no `parameters`, prices in USD only.
   */
  listing: "documented" | "alternate";
  /**
   * What "hash of {a, b}" means for an optional field the body leaves out. 'absent': the
   * field is left out (contracts §2, decided). 'null': the server hashes its model, where an
   * omitted optional field is null.
   */
  omittedFields: "absent" | "null";
  /** x402 challenges without maxTimeoutSeconds and with `extra: {}` (the seed's example). */
  challengeLean: boolean;
  /** x402 challenges whose first accepts entry is malformed (no payTo, amount a number). */
  challengeMalformedEntry: boolean;
  /**
   * Which bearer the workflow-schedules routes take. 'any': the opaque token or the legacy
   * base64 "<api_key>:<budget_key>"; 'legacy': only the legacy form the seed shows there.
   */
  scheduleBearer: "any" | "legacy";
}

export const DOCUMENTED_VARIANT: Readonly<SandboxVariant> = Object.freeze({
  name: "documented",
  listing: "documented",
  omittedFields: "absent",
  challengeLean: false,
  challengeMalformedEntry: false,
  scheduleBearer: "any",
});

/** Every guess answered the other way. */
export const ALTERNATE_VARIANT: Readonly<SandboxVariant> = Object.freeze({
  name: "alternate",
  listing: "alternate",
  omittedFields: "null",
  challengeLean: true,
  challengeMalformedEntry: true,
  scheduleBearer: "legacy",
});


/** A variant with every knob drawn from `seed`; its name carries the seed so a failure can be replayed. */
export function variantFromSeed(seed: number): SandboxVariant {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  return {
    name: `seed-${seed}`,
    listing: pick(["documented", "alternate"] as const),
    omittedFields: pick(["absent", "null"] as const),
    challengeLean: pick([false, true]),
    challengeMalformedEntry: pick([false, true]),
    scheduleBearer: pick(["any", "legacy"] as const),
  };
}

/** documented, alternate, and one drawn from `seed`. */
export function variantsForRun(seed: number): SandboxVariant[] {
  return [{ ...DOCUMENTED_VARIANT }, { ...ALTERNATE_VARIANT }, variantFromSeed(seed)];
}

export function resolveVariant(v: Partial<SandboxVariant> | undefined): SandboxVariant {
  const out = { ...DOCUMENTED_VARIANT, ...(v ?? {}) };
  if (!v?.name) out.name = v ? "custom" : DOCUMENTED_VARIANT.name;
  if (out.listing !== "documented" && out.listing !== "alternate") throw new RangeError("startSandbox: variant.listing must be 'documented' or 'alternate'");
  if (out.omittedFields !== "absent" && out.omittedFields !== "null") throw new RangeError("startSandbox: variant.omittedFields must be 'absent' or 'null'");
  if (out.scheduleBearer !== "any" && out.scheduleBearer !== "legacy") throw new RangeError("startSandbox: variant.scheduleBearer must be 'any' or 'legacy'");
  return out;
}
