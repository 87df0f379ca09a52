/** The allowed origins of active web chat inboxes (`*` included), read briefly cached. */
export type WidgetOriginsLoader = () => Promise<string[]>;

const WIDGET_ORIGINS_CACHE_MS = 5_000;

/**
 * Which browser origins may use sockets. The agent namespace: the inbox's own origin (same host
 * as the request) or one of CORS_ORIGINS. CORS headers for polling: CORS_ORIGINS and the sites
 * some web chat inbox allows (the engine answers before any namespace is known); the widget
 * namespace then checks the origin against that inbox's own list, and the agent namespace
 * refuses web chat sites. Browsers apply no CORS to websockets: the namespace checks are what hold.
 */
export class SocketOriginPolicy {
  private widgetOrigins: { at: number; list: Promise<string[]> } | null = null;

  constructor(
    private readonly corsOrigins: readonly string[],
    private readonly loadWidgetOrigins: WidgetOriginsLoader,
  ) {}

  /** Same origin or configured: what the agent namespace accepts. */
  allowsAgent(origin: string | undefined, host: string | undefined): boolean {
    if (!origin) return true; // not a browser (or a same-origin request that sent none): tokens decide
    if (this.corsOrigins.includes(origin)) return true;
    try {
      return Boolean(host) && new URL(origin).host === host;
    } catch {
      return false;
    }
  }

  /** For CORS response headers (polling): configured or widget origins; same-origin needs none. */
  async allowsCors(origin: string | undefined): Promise<boolean> {
    if (!origin) return false;
    if (this.corsOrigins.includes(origin)) return true;
    const list = await this.widgetList();
    return list.includes('*') || list.includes(origin);
  }

  private widgetList(): Promise<string[]> {
    const now = Date.now();
    if (!this.widgetOrigins || now - this.widgetOrigins.at > WIDGET_ORIGINS_CACHE_MS) {
      const list = this.loadWidgetOrigins().catch(() => []);
      this.widgetOrigins = { at: now, list };
    }
    return this.widgetOrigins.list;
  }
}
