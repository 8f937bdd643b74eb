import { seededRandom, stableHexId } from "./ids.js";
import type { JsonSchema } from "./schema.js";

export interface CatalogAction {
  name: string;
  slug: string;
  description: string;
  price_credits: number;
  parameters: JsonSchema;
}

export interface CatalogProduct {
  product_id: string;
  name: string;
  slug: string;
  display_name: string;
  description: string;
  category: string;
  actions: CatalogAction[];
}

/** How a seeded workflow behaves when triggered; each maps to one documented outcome. */
export type WorkflowBehavior = "completes" | "slow" | "fails" | "setup_required" | "not_on_budget";

export interface CatalogWorkflow {
  workflow_id: string;
  name: string;
  description: string;
  behavior: WorkflowBehavior;
}

export interface CatalogBundle {
  bundle_id: string;
  name: string;
  description: string;
  product_ids: string[];
  workflow_ids: string[];
}

export interface Catalog {
  products: CatalogProduct[];
  productsById: Map<string, CatalogProduct>;
  workflows: CatalogWorkflow[];
  workflowsById: Map<string, CatalogWorkflow>;
  bundles: CatalogBundle[];
  bundlesById: Map<string, CatalogBundle>;
  anchors: {
    workflow: string;
    slowWorkflow: string;
    failingWorkflow: string;
    setupRequiredWorkflow: string;
    notOnBudgetWorkflow: string;
    bundle: string;
    product: string;
    expensiveProduct: string;
  };
}

const CATALOG_SEED = 0x5eeda6e7;

/** Building blocks for parameter schemas, so generated tools have realistic, varied inputs. */
const FIELD_POOL: Array<[string, JsonSchema]> = [
  ["email", { type: "string", format: "email", description: "Email address to act on." }],
  ["url", { type: "string", format: "uri", description: "Absolute URL of the resource." }],
  ["start_date", { type: "string", format: "date", description: "First day to include (YYYY-MM-DD)." }],
  ["end_date", { type: "string", format: "date", description: "Last day to include (YYYY-MM-DD)." }],
  ["limit", { type: "integer", minimum: 1, maximum: 100, default: 10, description: "Maximum number of results." }],
  ["language", { type: "string", enum: ["en", "es", "fr", "de", "ja"], description: "ISO 639-1 language code." }],
  ["output_format", { type: "string", enum: ["json", "csv", "markdown"], description: "Format of the returned content." }],
  [
    "tags",
    { type: "array", items: { type: "string", minLength: 1, maxLength: 40 }, maxItems: 10, description: "Free-form labels." },
  ],
  ["amount", { type: "number", minimum: 0, description: "Monetary amount in major units." }],
  [
    "currency",
    { type: "string", pattern: "^[A-Z]{3}$", examples: ["USD"], description: "ISO 4217 currency code, e.g. USD." },
  ],
  ["include_metadata", { type: "boolean", default: false, description: "Include provider metadata in the result." }],
  [
    "filters",
    {
      type: "object",
      description: "Optional result filters.",
      properties: {
        status: { type: "string", enum: ["active", "archived", "draft"] },
        min_score: { type: "number", minimum: 0, maximum: 1 },
        owner_email: { type: "string", format: "email" },
      },
      additionalProperties: false,
    },
  ],
  [
    "contact",
    {
      type: "object",
      description: "Person the action concerns.",
      properties: {
        name: { type: "string", minLength: 1, maxLength: 120 },
        email: { type: "string", format: "email" },
        phone: { type: "string", pattern: "^\\+[1-9][0-9]{6,14}$", examples: ["+14155550100"] },
      },
      required: ["name", "email"],
      additionalProperties: false,
    },
  ],
  [
    "line_items",
    {
      type: "array",
      minItems: 1,
      maxItems: 50,
      description: "Items to include.",
      items: {
        type: "object",
        properties: {
          sku: { type: "string", minLength: 1, maxLength: 64 },
          quantity: { type: "integer", minimum: 1, maximum: 1000 },
          note: { type: "string", maxLength: 200 },
        },
        required: ["sku", "quantity"],
        additionalProperties: false,
      },
    },
  ],
  ["callback_url", { type: "string", format: "uri", description: "URL notified when the work finishes." }],
  ["priority", { type: "string", enum: ["low", "normal", "high"], default: "normal", description: "Processing priority." }],
  ["scheduled_at", { type: "string", format: "date-time", description: "When to perform the action (ISO 8601)." }],
  ["timezone", { type: "string", pattern: "^[A-Za-z_]+/[A-Za-z_]+$", examples: ["Europe/Paris"], description: "IANA timezone." }],
];

const CATEGORIES: Array<[string, string[]]> = [
  ["Data & Analytics", ["dataset", "csv_file", "spreadsheet", "dashboard", "metric", "survey_result", "time_series", "sql_query", "chart", "report_table", "json_document", "log_file", "event_stream", "kpi", "cohort", "forecast"]],
  ["Communication", ["email", "sms_message", "slack_message", "newsletter", "voicemail", "push_notification", "calendar_invite", "fax", "chat_thread", "mailing_list", "contact_card", "whatsapp_message", "discord_post", "press_release", "meeting_note", "auto_reply"]],
  ["Developer Tools", ["github_issue", "pull_request", "docker_image", "dns_record", "ssl_certificate", "regex", "json_schema", "api_endpoint", "cron_job", "webhook", "npm_package", "code_snippet", "build_log", "environment_variable", "git_commit", "openapi_spec"]],
  ["Finance", ["invoice", "stock_quote", "currency_rate", "expense", "tax_rate", "payroll", "budget", "crypto_price", "loan", "portfolio", "receipt", "bank_statement", "credit_score", "vat_number", "dividend", "payment_link"]],
  ["Marketing", ["ad_campaign", "seo_keyword", "landing_page", "social_post", "utm_link", "audience_segment", "brand_mention", "ab_test", "influencer", "coupon_code", "lead", "backlink", "hashtag", "content_calendar", "email_campaign", "conversion_funnel"]],
  ["Productivity", ["task", "calendar_event", "note", "reminder", "document", "meeting", "todo_list", "timesheet", "project", "checklist", "bookmark", "form_response", "pdf", "spreadsheet_row", "kanban_card", "habit"]],
  ["Research", ["paper", "patent", "citation", "news_article", "wikipedia_page", "company_profile", "clinical_trial", "dataset_catalog", "book", "court_case", "trend", "competitor", "market_size", "web_page", "transcript", "academic_author"]],
  ["E-commerce", ["product_listing", "order", "shipment", "inventory_item", "customer_review", "cart", "return_request", "price_comparison", "shopify_store", "barcode", "supplier", "gift_card", "shipping_rate", "wishlist", "product_feed", "discount"]],
  ["Media", ["image", "video", "audio_clip", "podcast", "thumbnail", "subtitle", "gif", "logo", "qr_code", "speech", "music_track", "screenshot", "meme", "photo_album", "color_palette", "font"]],
  ["Security", ["password", "ip_address", "domain", "url_scan", "malware_hash", "email_breach", "ssl_scan", "port_scan", "api_key", "jwt", "vulnerability", "phishing_report", "firewall_rule", "audit_log", "two_factor_code", "captcha"]],
];

type Verb = "get" | "search" | "generate" | "analyze" | "summarize" | "create" | "update" | "delete" | "list" | "convert" | "validate" | "check" | "subscribe" | "export";

/** Product kinds: a suffix for the tool name and the actions such a tool exposes. */
const KINDS: Array<{ suffix: string; verbs: Verb[] }> = [
  { suffix: "lookup", verbs: ["get", "search"] },
  { suffix: "generator", verbs: ["generate"] },
  { suffix: "analyzer", verbs: ["analyze", "summarize"] },
  { suffix: "manager", verbs: ["create", "update", "delete", "list"] },
  { suffix: "converter", verbs: ["convert"] },
  { suffix: "validator", verbs: ["validate"] },
  { suffix: "monitor", verbs: ["check", "subscribe"] },
  { suffix: "exporter", verbs: ["export"] },
];

const ACRONYMS = new Set(["csv", "sql", "kpi", "sms", "dns", "ssl", "json", "api", "npm", "git", "vat", "seo", "utm", "ab", "pdf", "gif", "qr", "ip", "url", "jwt"]);

function titleCase(snake: string): string {
  return snake
    .split("_")
    .map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(" ");
}

function plural(noun: string): string {
  if (/(s|x|ch|sh)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

function kebab(snake: string): string {
  return snake.replace(/_/g, "-");
}

function actionName(verb: Verb, noun: string): string {
  switch (verb) {
    case "search":
    case "list":
      return `${verb}_${plural(noun)}`;
    case "subscribe":
      return `subscribe_${noun}_alerts`;
    default:
      return `${verb}_${noun}`;
  }
}

function actionDescription(verb: Verb, human: string): string {
  const h = human.toLowerCase();
  const text: Record<Verb, string> = {
    get: `Fetch a single ${h} by its identifier.`,
    search: `Search ${h} records matching a free-text query.`,
    generate: `Generate a new ${h} from the supplied inputs.`,
    analyze: `Analyze a ${h} and return structured findings.`,
    summarize: `Summarize a ${h} into a short digest.`,
    create: `Create a ${h}.`,
    update: `Update fields of an existing ${h}.`,
    delete: `Delete a ${h}. This cannot be undone.`,
    list: `List ${h} records, newest first.`,
    convert: `Convert a ${h} to another format.`,
    validate: `Validate a ${h} and report problems.`,
    check: `Check the current state of a ${h}.`,
    subscribe: `Subscribe to change alerts for a ${h}.`,
    export: `Export ${h} data as a downloadable file.`,
  };
  return text[verb];
}

/** The field that makes each verb meaningful; always required. */
function primaryField(verb: Verb, noun: string): [string, JsonSchema] {
  switch (verb) {
    case "get":
    case "update":
    case "delete":
    case "check":
    case "subscribe":
      return [`${noun}_id`, { type: "string", minLength: 1, maxLength: 64, description: `Identifier of the ${titleCase(noun).toLowerCase()}.` }];
    case "search":
      return ["query", { type: "string", minLength: 1, maxLength: 500, description: "Free-text search query." }];
    case "list":
      return ["page_size", { type: "integer", minimum: 1, maximum: 100, description: "Number of records to return." }];
    case "create":
      return ["title", { type: "string", minLength: 1, maxLength: 200, description: "Title of the new record." }];
    case "export":
      return ["export_format", { type: "string", enum: ["csv", "json", "xlsx"], description: "File format of the export." }];
    case "generate":
    case "analyze":
    case "summarize":
    case "convert":
    case "validate":
      return ["input", { type: "string", minLength: 1, maxLength: 20000, description: "Content to process (text, or a URL to fetch)." }];
  }
}

function buildParameters(rand: () => number, verb: Verb, noun: string): JsonSchema {
  const [primaryKey, primarySchema] = primaryField(verb, noun);
  const properties: Record<string, JsonSchema> = { [primaryKey]: primarySchema };
  const required = [primaryKey];
  const extraCount = Math.floor(rand() * 5); // 0..4 extra fields
  const pool = [...FIELD_POOL];
  for (let i = 0; i < extraCount && pool.length > 0; i++) {
    const [key, schema] = pool.splice(Math.floor(rand() * pool.length), 1)[0]!;
    if (key in properties) continue;
    properties[key] = schema;
    // About one extra field in four is required too, so clients meet multi-field requirements.
    if (rand() < 0.25 && schema.default === undefined) required.push(key);
  }
  return { type: "object", properties, required, additionalProperties: false };
}

/** Mostly cheap tools, some free, a tail up to 500 credits, like a real marketplace. */
function pickPrice(rand: () => number): number {
  const r = rand();
  if (r < 0.15) return 0;
  if (r < 0.6) return 1 + Math.floor(rand() * 10);
  if (r < 0.85) return 11 + Math.floor(rand() * 90);
  return 101 + Math.floor(rand() * 400);
}

function makeProduct(
  name: string,
  category: string,
  description: string,
  actions: Array<Omit<CatalogAction, "slug">>,
  displayName = titleCase(name),
): CatalogProduct {
  return {
    product_id: stableHexId(`product:${name}`),
    name,
    slug: kebab(name),
    display_name: displayName,
    description,
    category,
    actions: actions.map((a) => ({ ...a, slug: kebab(a.name) })),
  };
}

/** Hand-written products that tests and the README rely on. */
function anchorProducts(expensivePriceCredits: number): CatalogProduct[] {
  return [
    makeProduct("sandbox_echo", "Developer Tools", "Echoes a message back. The cheapest way to test a purchase end to end.", [
      {
        name: "echo",
        description: "Return the message, optionally repeated.",
        price_credits: 1,
        parameters: {
          type: "object",
          properties: {
            message: { type: "string", minLength: 1, maxLength: 2000, default: "hello from the sandbox", description: "Text to echo back." },
            repeat: { type: "integer", minimum: 1, maximum: 5, default: 1, description: "How many times to repeat it." },
          },
          // Nothing required: demos and e2e tests buy this action with `parameters: {}`.
          required: [],
          additionalProperties: false,
        },
      },
      {
        name: "ping",
        description: "Free connectivity check.",
        price_credits: 0,
        parameters: { type: "object", properties: {}, required: [], additionalProperties: false },
      },
    ]),
    // Realistic failures for clients to handle: a vendor whose API is down, and one that is slow.
    makeProduct("sandbox_flaky", "Developer Tools", "A deliberately unreliable tool: one action always fails at the vendor, one answers slowly.", [
      {
        name: "vendor_error",
        description: "Always fails at the vendor (HTTP 502 VENDOR_ERROR); nothing is charged.",
        price_credits: 1,
        parameters: { type: "object", properties: {}, required: [], additionalProperties: false },
      },
      {
        name: "slow",
        description: "Answers after `seconds` seconds, like a vendor under load.",
        price_credits: 1,
        parameters: {
          type: "object",
          properties: { seconds: { type: "integer", minimum: 1, maximum: 120, default: 40, description: "How long the vendor takes." } },
          required: [],
          additionalProperties: false,
        },
      },
    ]),
    makeProduct(
      "premium_market_report",
      "Finance",
      "Analyst-grade market report for one ticker. Costs more than a fresh sandbox account holds.",
      [
        {
          name: "generate_report",
          description: "Produce a full market report for a ticker.",
          price_credits: expensivePriceCredits,
          parameters: {
            type: "object",
            properties: {
              ticker: { type: "string", pattern: "^[A-Z]{1,5}$", default: "ACME", examples: ["ACME"], description: "Exchange ticker symbol." },
              horizon: { type: "string", enum: ["1m", "3m", "1y"], default: "3m", description: "Forecast horizon." },
            },
            // Nothing required, so a bare call reaches the balance check and shows the 402.
            required: [],
            additionalProperties: false,
          },
        },
      ],
    ),
    makeProduct("send_transactional_email", "Communication", "Send a transactional email through the platform relay.", [
      {
        name: "send_email",
        description: "Send one email now.",
        price_credits: 3,
        parameters: {
          type: "object",
          properties: {
            to: { type: "string", format: "email", description: "Recipient address." },
            subject: { type: "string", minLength: 1, maxLength: 200 },
            body: { type: "string", maxLength: 50000 },
            cc: { type: "array", items: { type: "string", format: "email" }, maxItems: 10 },
            attachments: {
              type: "array",
              maxItems: 5,
              items: {
                type: "object",
                properties: { filename: { type: "string", minLength: 1 }, url: { type: "string", format: "uri" } },
                required: ["filename", "url"],
                additionalProperties: false,
              },
            },
          },
          required: ["to", "subject"],
          additionalProperties: false,
        },
      },
      {
        name: "schedule_email",
        description: "Queue an email for a later date.",
        price_credits: 5,
        parameters: {
          type: "object",
          properties: {
            to: { type: "string", format: "email" },
            subject: { type: "string", minLength: 1, maxLength: 200 },
            send_on: { type: "string", format: "date", description: "Day to send (YYYY-MM-DD)." },
          },
          required: ["to", "subject", "send_on"],
          additionalProperties: false,
        },
      },
    ]),
  ];
}

function generatedProducts(): CatalogProduct[] {
  const rand = seededRandom(CATALOG_SEED);
  const products: CatalogProduct[] = [];
  for (const [category, nouns] of CATEGORIES) {
    for (const noun of nouns) {
      const kind = KINDS[Math.floor(rand() * KINDS.length)]!;
      const name = `${noun}_${kind.suffix}`;
      const human = titleCase(noun);
      const actions = kind.verbs.map((verb) => ({
        name: actionName(verb, noun),
        description: actionDescription(verb, human),
        price_credits: pickPrice(rand),
        parameters: buildParameters(rand, verb, noun),
      }));
      products.push(
        makeProduct(name, category, `${human} ${kind.suffix} for AI agents: ${actions.map((a) => a.name).join(", ")}.`, actions),
      );
    }
  }
  return products;
}

function seededWorkflows(): CatalogWorkflow[] {
  const wf = (key: string, name: string, description: string, behavior: WorkflowBehavior): CatalogWorkflow => ({
    workflow_id: stableHexId(`workflow:${key}`),
    name,
    description,
    behavior,
  });
  return [
    wf("daily-order-digest", "Daily Order Digest", "Summarizes open orders and flags the ones that need attention.", "completes"),
    wf("quarterly-research", "Quarterly Research Deep Dive", "Long-running research workflow (about two minutes).", "slow"),
    wf("flaky-inventory-sync", "Flaky Inventory Sync", "Always fails after running, to exercise error handling.", "fails"),
    wf("sheets-crm-updater", "Sheets CRM Updater", "Needs a Google Sheets credential that the sandbox account has not connected.", "setup_required"),
    wf("enterprise-lead-router", "Enterprise Lead Router", "Not enabled on the sandbox budget; triggering it opens approval requests.", "not_on_budget"),
  ];
}

export function buildCatalog(opts: { expensivePriceCredits: number }): Catalog {
  const anchors = anchorProducts(opts.expensivePriceCredits);
  const products = [...anchors, ...generatedProducts()];
  const workflows = seededWorkflows();
  const byName = (name: string) => anchors.find((p) => p.name === name)!;
  const [echo, premium, email] = [byName("sandbox_echo"), byName("premium_market_report"), byName("send_transactional_email")];
  const [daily, slow, failing, setup, notOnBudget] = workflows as [CatalogWorkflow, CatalogWorkflow, CatalogWorkflow, CatalogWorkflow, CatalogWorkflow];
  const pick = (category: string, n: number): string[] =>
    products.filter((p) => p.category === category).slice(0, n).map((p) => p.product_id);
  const bundles: CatalogBundle[] = [
    {
      bundle_id: stableHexId("bundle:starter"),
      name: "Sandbox Starter Bundle",
      description: "Echo, email and the daily digest workflow.",
      product_ids: [echo.product_id, email.product_id],
      workflow_ids: [daily.workflow_id],
    },
    {
      bundle_id: stableHexId("bundle:finance-desk"),
      name: "Finance Desk",
      description: "Finance tools plus the premium report.",
      product_ids: [premium.product_id, ...pick("Finance", 5)],
      workflow_ids: [],
    },
    {
      bundle_id: stableHexId("bundle:growth-marketing"),
      name: "Growth Marketing",
      description: "Marketing tools and the lead router workflow.",
      product_ids: pick("Marketing", 6),
      workflow_ids: [notOnBudget.workflow_id],
    },
  ];
  return {
    products,
    productsById: new Map(products.map((p) => [p.product_id, p])),
    workflows,
    workflowsById: new Map(workflows.map((w) => [w.workflow_id, w])),
    bundles,
    bundlesById: new Map(bundles.map((b) => [b.bundle_id, b])),
    anchors: {
      workflow: daily.workflow_id,
      slowWorkflow: slow.workflow_id,
      failingWorkflow: failing.workflow_id,
      setupRequiredWorkflow: setup.workflow_id,
      notOnBudgetWorkflow: notOnBudget.workflow_id,
      bundle: bundles[0]!.bundle_id,
      product: echo.product_id,
      expensiveProduct: premium.product_id,
    },
  };
}
