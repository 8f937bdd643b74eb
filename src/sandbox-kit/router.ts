/**
 * One route of a sandbox: `:name` segments capture one decoded path segment. `Style`
 * names the error family the route answers in (a platform may have several origins that
 * word errors differently); `Auth` what the dispatcher checks before the handler runs.
 */
export interface RouteDef<Handler, Style extends string = string, Auth extends string = string> {
  method: string;
  pattern: string;
  style: Style;
  auth: Auth;
  handler: Handler;
}

interface CompiledRoute<H, S extends string, A extends string> extends RouteDef<H, S, A> {
  segments: string[];
  staticCount: number;
}

export type RouteMatch<H, S extends string, A extends string> =
  | { kind: "found"; route: RouteDef<H, S, A>; params: Record<string, string> }
  | { kind: "method_not_allowed"; allow: string[]; style: S }
  | { kind: "not_found" };

/**
 * Minimal path router. When several patterns match, the one with more literal
 * segments wins, so `/runs/:id` beats `/:workflowId/...`.
 */
export class Router<H, S extends string = string, A extends string = string> {
  private readonly routes: CompiledRoute<H, S, A>[] = [];

  constructor(private readonly defaultStyle: S) {}

  add(def: RouteDef<H, S, A>): void {
    const segments = splitPath(def.pattern);
    this.routes.push({ ...def, method: def.method.toUpperCase(), segments, staticCount: segments.filter((s) => !s.startsWith(":")).length });
  }

  resolve(method: string, path: string): RouteMatch<H, S, A> {
    const candidates = this.pathMatches(path);
    if (candidates.length === 0) return { kind: "not_found" };
    const wanted = method.toUpperCase();
    const best = candidates.find(({ route }) => route.method === wanted || (wanted === "HEAD" && route.method === "GET"));
    if (best) return { kind: "found", route: best.route, params: best.params };
    const allow = [...new Set(candidates.map(({ route }) => route.method))];
    if (allow.includes("GET")) allow.push("HEAD");
    return { kind: "method_not_allowed", allow, style: candidates[0]!.route.style };
  }

  /** Error family for a path regardless of method, for failures that happen before routing. */
  styleFor(path: string): S {
    return this.pathMatches(path)[0]?.route.style ?? this.defaultStyle;
  }

  private pathMatches(path: string): Array<{ route: CompiledRoute<H, S, A>; params: Record<string, string> }> {
    const parts = splitPath(path);
    const out: Array<{ route: CompiledRoute<H, S, A>; params: Record<string, string> }> = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (params) out.push({ route, params });
    }
    // Stable sort keeps registration order between equally specific routes.
    return out.sort((a, b) => b.route.staticCount - a.route.staticCount);
  }
}

function splitPath(path: string): string[] {
  return path.split("/").slice(1);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = parts[i]!;
    if (expected.startsWith(":")) {
      if (actual === "") return undefined;
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}
