import { buildCatalog, type Catalog } from "./catalog.js";
import { CreditLedger } from "./credits.js";
import { ExternalState, type ExternalConfig } from "./external/state.js";
import { ObjectIdFactory, stableHexId } from "./ids.js";
import type { RunRecord } from "./runs.js";
import { ScheduleState } from "./schedules.js";

export interface SandboxCredentials {
  bearerToken: string;
  apiKey: string;
  budgetKey: string;
}

export interface SandboxConfig {
  runDurationMs: number;
  queuedMs: number;
  /** The seeded slow workflow ignores runDurationMs so tests can cancel a run that is surely not finished. */
  slowRunDurationMs: number;
  initialCredits: number;
  now: () => number;
  credentials: SandboxCredentials;
  /** The wallet-authenticated `/api/external/*` API. */
  external: ExternalConfig;
}

export interface IssueRecord {
  issue_id: string;
  product_id: string;
  product_found: boolean;
  lookup_method: "object_id" | "slug" | "exact_name" | "not_found";
  product_name: string | null;
  error_message: string;
  recommended_improvements: string | null;
  instance_id: string | null;
  status: "open";
  created_at: string;
}

export interface OrderRecord {
  order_id: string;
  product_id: string;
  action: string;
  price_credits: number;
  instance_id: string;
  created_at: string;
}

export interface InstanceRecord {
  instance_id: string;
  metadata: Record<string, unknown> | null;
  first_seen_at: string;
  last_seen_at: string;
}

/**
 * Everything mutable about the one sandbox account. The catalog is immutable and survives
 * reset; the rest goes back to the seeded state. New API areas add their maps here and
 * clear them in reset().
 */
export class SandboxState {
  readonly catalog: Catalog;
  readonly userId = stableHexId("user:sandbox");
  readonly ids: ObjectIdFactory;
  readonly credits: CreditLedger;
  readonly runs = new Map<string, RunRecord>();
  /** `${workflowId}\n${request_id}` → run id: idempotency is per account and workflow. */
  readonly runsByRequestKey = new Map<string, string>();
  readonly issues: IssueRecord[] = [];
  readonly orders: OrderRecord[] = [];
  readonly instances = new Map<string, InstanceRecord>();
  readonly external: ExternalState;
  /** BYO-agent workflow schedules (`/api/external/workflow-schedules/*`). */
  readonly schedules: ScheduleState;

  constructor(readonly config: SandboxConfig) {
    // The premium product must always be out of reach of a fresh account and of a fresh wallet, whatever their balance.
    this.catalog = buildCatalog({
      expensivePriceCredits: Math.max(7_500, config.initialCredits + 2_500, config.external.initialWalletCredits + 2_500),
    });
    this.external = new ExternalState(config.external);
    this.schedules = new ScheduleState(config.now, this.catalog);
    this.ids = new ObjectIdFactory(config.now);
    this.credits = new CreditLedger(this.userId, this.ids, config.now);
    this.seed();
  }

  reset(): void {
    this.ids.reset();
    this.credits.clear();
    this.runs.clear();
    this.runsByRequestKey.clear();
    this.issues.length = 0;
    this.orders.length = 0;
    this.instances.clear();
    this.external.reset();
    this.schedules.reset();
    this.seed();
  }

  now(): number {
    return this.config.now();
  }

  private seed(): void {
    this.credits.grant(this.config.initialCredits, "admin_grant", { reason: "sandbox starting balance" });
  }
}
