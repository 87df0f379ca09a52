import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { APP_CONFIG, AppConfig, ContactRepository, DomainError, IngestService, SecretBox, Transactions, MessageRepository } from '@inbox/core';
import { isOpen } from '@inbox/business-hours';
import type { MessageSummary, VisitorInfo } from '@inbox/realtime-contract';
import { VisitorSession, WebchatInbox, WebchatRepository } from './webchat.repository';
import { VisitorClaims, isVisitorTokenLive, signVisitorToken, verifyIdentity, verifyVisitorToken, visitorTokenNeedsRenewal } from './visitor-token.util';
import { checkAttachmentSignature, signAttachmentPath } from './attachment-url.util';
import { isOriginAllowed } from './widget-settings.util';
import { visitorInfoFrom } from './visitor-info.util';
import type { VisitorMessage, VisitorSurvey, WidgetConfig, WidgetHandshake, WidgetSession } from '@inbox/realtime-contract/widget';

export const WIDGET_MAX_TEXT = 5000;
export const WIDGET_MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
export const WIDGET_ALLOWED_UPLOAD_TYPES = /^(image\/(png|jpeg|gif|webp)|application\/pdf|text\/plain|application\/zip|application\/octet-stream)$/;
const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,}$/;

export interface VisitorContext {
  inbox: WebchatInbox;
  session: VisitorSession;
}

/**
 * The visitor side of web chat: who the browser is (signed token, verified identity),
 * what it may see (its own session's customer-facing messages) and what it may send
 * (messages into its own thread, through the one ingest path).
 */
@Injectable()
export class WebchatVisitorService {
  private readonly logger = new Logger(WebchatVisitorService.name);
  private readonly tokenKey: string;
  private readonly attachmentKey: string;
  private readonly tokenTtlSeconds: number;

  constructor(
    private readonly tx: Transactions,
    private readonly repo: WebchatRepository,
    private readonly ingest: IngestService,
    private readonly contacts: ContactRepository,
    private readonly messages: MessageRepository,
    private readonly secretBox: SecretBox,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // A key of its own, derived so agent JWTs and visitor tokens can never be swapped.
    this.tokenKey = createHmac('sha256', config.jwtSecret).update('webchat-visitor-token').digest('hex');
    this.attachmentKey = createHmac('sha256', config.jwtSecret).update('webchat-attachment-url').digest('hex');
    this.tokenTtlSeconds = config.visitorTokenTtlSeconds;
  }

  /** The inbox behind a public website token, refused for an origin it does not allow. */
  async inboxFor(websiteToken: unknown, origin: string | undefined | null, opts: { allowMissingOrigin?: boolean } = {}): Promise<WebchatInbox> {
    if (typeof websiteToken !== 'string' || !/^wt_[A-Za-z0-9_-]{10,100}$/.test(websiteToken)) throw new DomainError('UNAUTHENTICATED', 'unknown website token');
    const inbox = await this.repo.inboxByWebsiteToken(this.tx.manager, websiteToken);
    if (!inbox || !inbox.active) throw new DomainError('UNAUTHENTICATED', 'unknown website token');
    if (!(opts.allowMissingOrigin && !origin) && !isOriginAllowed(inbox.settings.allowedOrigins ?? [], origin)) {
      throw new DomainError('FORBIDDEN', `origin ${origin ?? '(none)'} may not embed this chat widget`);
    }
    return inbox;
  }

  /**
   * Resumes the session of a valid visitor token, or starts one. A verified identifier wins over
   * the token: a customer logging in on the host site gets their own history, not the browser's.
   */
  async connect(h: WidgetHandshake, origin: string | undefined, userAgent?: string): Promise<VisitorContext & { token: string }> {
    const inbox = await this.inboxFor(h.websiteToken, origin);
    let identifier: string | null = null;
    if (h.identifier !== undefined && h.identifier !== null && h.identifier !== '') {
      const secret = this.hmacSecretOf(inbox);
      if (!verifyIdentity(secret, h.identifier, h.identifierHash)) throw new DomainError('FORBIDDEN', 'identity verification failed: identifierHash is not the HMAC of identifier');
      identifier = h.identifier as string;
    }
    const claims = this.liveClaims(h.visitorToken);
    let session: VisitorSession | null = null;
    if (claims && claims.inboxId === inbox.id && (identifier === null || claims.identifier === identifier)) {
      session = await this.repo.session(this.tx.manager, claims.sessionId);
    }
    if (!session && identifier) session = await this.repo.latestSessionOf(this.tx.manager, inbox.id, identifier);
    if (!session) session = await this.repo.createSession(this.tx.manager, inbox.id, identifier);
    else await this.repo.touch(this.tx.manager, session.id);
    await this.recordVisitor(session, inbox.id, visitorInfoFrom(h.visitor, userAgent, new Date()));
    // Every connect hands out a fresh token: a visitor who comes back within its lifetime keeps the session for good.
    return { inbox, session, token: this.issueToken(inbox.id, session) };
  }

  /** The page and browser of this connect, on the session and (a returning visitor) on the contact already known. */
  private async recordVisitor(session: VisitorSession, inboxId: string, visitor: VisitorInfo): Promise<void> {
    await this.repo.setSessionVisitor(this.tx.manager, session.id, visitor);
    const conv = await this.repo.openConversationOf(this.tx.manager, inboxId, session.id);
    if (conv) await this.repo.copySessionVisitorToContact(this.tx.manager, session.id, conv.contactId);
  }

  /** A fresh token for an open socket whose token is past half its life; null while it is young. */
  renewedToken(ctx: VisitorContext, token: string): string | null {
    const claims = verifyVisitorToken(this.tokenKey, token);
    if (claims && !visitorTokenNeedsRenewal(claims, this.tokenTtlSeconds)) return null;
    return this.issueToken(ctx.inbox.id, ctx.session);
  }

  private issueToken(inboxId: string, session: VisitorSession): string {
    return signVisitorToken(this.tokenKey, { inboxId, sessionId: session.id, identifier: session.identifier, issuedAt: Math.floor(Date.now() / 1000) });
  }

  /** Signed by us and within its lifetime (VISITOR_TOKEN_TTL_SECONDS). */
  private liveClaims(token: unknown): VisitorClaims | null {
    const claims = verifyVisitorToken(this.tokenKey, token);
    return claims && isVisitorTokenLive(claims, this.tokenTtlSeconds) ? claims : null;
  }

  /** For REST calls: the token must be ours and belong to this inbox. */
  async authenticate(inbox: WebchatInbox, visitorToken: unknown): Promise<VisitorSession> {
    const claims = this.liveClaims(visitorToken);
    if (!claims || claims.inboxId !== inbox.id) throw new DomainError('UNAUTHENTICATED', 'missing, invalid or expired visitor token');
    const session = await this.repo.session(this.tx.manager, claims.sessionId);
    if (!session) throw new DomainError('UNAUTHENTICATED', 'this chat session no longer exists');
    return session;
  }

  async sessionPayload(ctx: VisitorContext & { token: string }): Promise<WidgetSession> {
    return {
      visitorToken: ctx.token,
      sessionId: ctx.session.id,
      identified: ctx.session.identifier !== null,
      contact: { name: ctx.session.name, email: ctx.session.email },
      config: await this.config(ctx.inbox),
      messages: await this.history(ctx),
    };
  }

  async config(inbox: WebchatInbox, now = Date.now()): Promise<WidgetConfig> {
    const s = inbox.settings;
    let withinBusinessHours = true;
    try {
      withinBusinessHours = isOpen(s.businessHours ?? null, now);
    } catch (err) {
      this.logger.warn({ err, inboxId: inbox.id }, 'business hours unreadable; treated as open');
    }
    const online = withinBusinessHours && (await this.repo.agentsOnline(this.tx.manager, inbox.id)) > 0;
    return {
      inboxName: inbox.name,
      title: s.title ?? null,
      greeting: s.greeting ?? null,
      offlineMessage: s.offlineMessage ?? null,
      color: s.color ?? '#1f6feb',
      textColor: s.textColor ?? '#ffffff',
      position: s.position ?? 'right',
      locale: s.locale ?? null,
      preChatForm: s.preChatForm ?? { enabled: false, requireName: false, requireEmail: false },
      online,
      withinBusinessHours,
      maxUploadBytes: WIDGET_MAX_UPLOAD_BYTES,
      maxTextLength: WIDGET_MAX_TEXT,
    };
  }

  async history(ctx: VisitorContext): Promise<VisitorMessage[]> {
    return this.toVisitor(ctx.inbox.settings.websiteToken, await this.repo.history(this.tx.manager, ctx.inbox.id, ctx.session.id, 200));
  }

  /** Idempotent on the widget's client id: a resend after a lost ack returns the stored message. */
  async send(ctx: VisitorContext, p: unknown, attachment?: { fileName: string; contentType: string; data: Buffer }): Promise<{ message: VisitorMessage; duplicate: boolean }> {
    const payload = (p ?? {}) as Record<string, unknown>;
    const clientId = payload.clientId;
    if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId))
      throw new DomainError('VALIDATION_FAILED', 'clientId must be 8-64 characters of A-Z a-z 0-9 _ -', { fields: { clientId: ['invalid'] } });
    const text = typeof payload.text === 'string' ? payload.text : '';
    if (text.length > WIDGET_MAX_TEXT) throw new DomainError('PAYLOAD_TOO_LARGE', `a message is at most ${WIDGET_MAX_TEXT} characters`);
    if (!text.trim() && !attachment) throw new DomainError('VALIDATION_FAILED', 'text must not be empty', { fields: { text: ['must not be empty'] } });
    const { inbox, session } = ctx;
    const result = await this.ingest.ingest({
      inboxId: inbox.id,
      channel: 'webchat',
      externalId: `webchat:${session.id}:${clientId}`,
      contact: { identifier: session.identifier ?? session.id, name: session.name, email: session.email },
      threadKey: session.id,
      text: text.trim() ? text : attachment ? attachment.fileName : '',
      attachments: attachment ? [attachment] : undefined,
      metadata: { clientId, source: 'webchat' },
    });
    // The first message creates the contact: it learns the browser and page the session saw.
    await this.repo.copySessionVisitorToContact(this.tx.manager, session.id, result.contactId);
    const summary = (await this.messages.summary(this.tx.manager, result.messageId))!;
    const [message] = await this.toVisitor(inbox.settings.websiteToken, [summary]);
    return { message, duplicate: !result.created };
  }

  /** Pre-chat form and the offline "leave your email" form. */
  async updateContact(ctx: VisitorContext, p: unknown): Promise<{ name: string | null; email: string | null }> {
    const payload = (p ?? {}) as Record<string, unknown>;
    const name = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim().slice(0, 200) : null;
    const email = typeof payload.email === 'string' && payload.email.trim() ? payload.email.trim().toLowerCase() : null;
    if (email !== null && (email.length > 320 || !EMAIL.test(email)))
      throw new DomainError('VALIDATION_FAILED', 'email is not a valid address', { fields: { email: ['not a valid address'] } });
    if (!name && !email) throw new DomainError('VALIDATION_FAILED', 'give a name or an email');
    await this.repo.updateSessionContact(this.tx.manager, ctx.session.id, { name, email });
    ctx.session.name = name ?? ctx.session.name;
    ctx.session.email = email ?? ctx.session.email;
    const conv = await this.repo.openConversationOf(this.tx.manager, ctx.inbox.id, ctx.session.id);
    if (conv) {
      // Fill what the contact lacks; never overwrite what an agent edited.
      const contact = await this.contacts.get(this.tx.manager, conv.contactId);
      if (contact) await this.contacts.update(this.tx.manager, conv.contactId, { name: contact.name ?? name ?? undefined, email: contact.email ?? email ?? undefined });
    }
    return { name: ctx.session.name, email: ctx.session.email };
  }

  async markRead(ctx: VisitorContext, p: unknown): Promise<number> {
    const messageId = (p as Record<string, unknown> | null)?.messageId;
    if (typeof messageId !== 'string' || !/^[0-9a-f-]{36}$/i.test(messageId)) throw new DomainError('VALIDATION_FAILED', 'messageId must be a UUID');
    return this.tx.run(async ({ em, emit }) => {
      const rows = await this.repo.markRead(em, ctx.inbox.id, ctx.session.id, messageId);
      for (const r of rows) emit({ type: 'message.updated', conversationId: r.conversationId, payload: await this.messages.mustSummary(em, r.id) });
      return rows.length;
    });
  }

  /** A download through a link we signed (see toVisitor): the signature, not a visitor token, authorises it. */
  async signedAttachment(inbox: WebchatInbox, attachmentId: string, exp: unknown, sig: unknown) {
    const check = checkAttachmentSignature(this.attachmentKey, inbox.settings.websiteToken, attachmentId, exp, sig);
    if (check === 'expired') throw new DomainError('UNAUTHENTICATED', 'this attachment link has expired: reopen the chat for a fresh one');
    if (check !== 'ok') throw new DomainError('UNAUTHENTICATED', 'missing or invalid attachment link signature');
    return this.repo.attachmentOfInbox(this.tx.manager, attachmentId, inbox.id);
  }

  /** The customer-facing view: author names and avatars, widget URLs, nothing internal. */
  async toVisitor(websiteToken: string, messages: MessageSummary[]): Promise<VisitorMessage[]> {
    const visible = messages.filter((m) => m.kind === 'message');
    const users = [...new Set(visible.filter((m) => m.authorType === 'user' && m.authorId).map((m) => m.authorId!))];
    const bots = [...new Set(visible.filter((m) => m.authorType === 'bot' && m.authorId).map((m) => m.authorId!))];
    const authors = users.length || bots.length ? await this.repo.authors(this.tx.manager, users, bots) : new Map();
    return visible.map((m) => {
      const a = m.authorId ? authors.get(m.authorId) : undefined;
      return {
        id: m.id,
        clientId: m.direction === 'inbound' && typeof m.metadata?.clientId === 'string' ? (m.metadata.clientId as string) : null,
        direction: m.direction,
        text: m.text,
        attachments: m.attachments.map((x) => ({
          id: x.id,
          fileName: x.fileName,
          contentType: x.contentType,
          size: x.size,
          url: signAttachmentPath(this.attachmentKey, websiteToken, x.id),
        })),
        author: { type: m.authorType, name: m.authorType === 'contact' ? null : (a?.name ?? null), avatarUrl: a?.avatarUrl ?? null },
        // `sending` is an internal step: the visitor sees the reply as queued until it is sent.
        status: m.status === 'sending' ? 'queued' : m.status,
        createdAt: m.createdAt,
        ...surveyOf(m),
      };
    });
  }

  private hmacSecretOf(inbox: WebchatInbox): string {
    const secrets = inbox.secrets ? (this.secretBox.open(inbox.secrets) as Record<string, unknown>) : {};
    const secret = secrets.hmacSecret;
    if (typeof secret !== 'string') throw new DomainError('FORBIDDEN', 'identity verification is not set up for this inbox');
    return secret;
  }
}

/** A satisfaction survey posted into the chat carries its token and current answer in its metadata (see CsatService). */
function surveyOf(m: MessageSummary): { survey?: VisitorSurvey } {
  const c = m.metadata?.csat as { token?: unknown; scale?: unknown; rating?: unknown; comment?: unknown; expiresAt?: unknown } | undefined;
  if (!c || typeof c.token !== 'string') return {};
  return {
    survey: {
      token: c.token,
      scale: c.scale === 'thumbs' ? 'thumbs' : 'stars',
      rating: typeof c.rating === 'number' ? c.rating : null,
      comment: typeof c.comment === 'string' ? c.comment : null,
      expiresAt: typeof c.expiresAt === 'string' ? c.expiresAt : null,
    },
  };
}
