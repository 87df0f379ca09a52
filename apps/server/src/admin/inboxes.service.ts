import { Injectable } from '@nestjs/common';
import { ChannelKind, ChannelRegistry, DomainError, InboxRepository, InboxRow, Principal, SecretBox, Transactions, isForeignKeyViolation, isStaff, notFound } from '@inbox/core';

@Injectable()
export class InboxesService {
  constructor(
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly channels: ChannelRegistry,
    private readonly secretBox: SecretBox,
  ) {}

  /** The channel adapter validates its own fields; secrets are sealed, and credentials shown once. */
  async create(base: { name: string; channel: ChannelKind; teamId: string | null }, channelFields: Record<string, unknown>) {
    const adapter = this.channels.get(base.channel);
    const configured = await adapter.configure(channelFields);
    try {
      const inbox = await this.inboxes.create(this.tx.manager, {
        ...base,
        settings: configured.settings,
        secrets: Object.keys(configured.secrets).length ? this.secretBox.seal(configured.secrets) : null,
        tokenHash: configured.tokenHash ?? null,
      });
      return { ...this.view(inbox), ...configured.revealOnce };
    } catch (err) {
      if (isForeignKeyViolation(err)) throw notFound('team', String(base.teamId));
      throw err;
    }
  }

  async list(p: Principal) {
    const rows = await this.inboxes.list(this.tx.manager, p.type === 'user' && !isStaff(p) ? p.id : undefined);
    return rows.map((r) => this.view(r));
  }

  async get(p: Principal, id: string) {
    const inbox = await this.inboxes.get(this.tx.manager, id);
    if (!inbox) throw notFound('inbox', id);
    if (p.type === 'user' && !isStaff(p) && !(await this.inboxes.isMember(this.tx.manager, id, p.id))) {
      throw new DomainError('FORBIDDEN', 'you are not a member of this inbox');
    }
    return this.view(inbox);
  }

  /** `channelFields`: the kind's own settings (web chat: allowedOrigins, widget), checked by its adapter. */
  async update(id: string, f: { name?: string; teamId?: string | null; active?: boolean }, channelFields: Record<string, unknown> = {}) {
    const inbox = await this.inboxes.get(this.tx.manager, id);
    if (!inbox) throw notFound('inbox', id);
    let settings: Record<string, unknown> | undefined;
    if (Object.values(channelFields).some((v) => v !== undefined)) {
      const adapter = this.channels.get(inbox.channel);
      if (!adapter.reconfigure)
        throw new DomainError('VALIDATION_FAILED', `the settings of a ${inbox.channel} inbox cannot be changed; create a new inbox`, {
          fields: Object.fromEntries(Object.keys(channelFields).map((k) => [k, ['not changeable for this channel']])),
        });
      settings = await adapter.reconfigure(inbox.settings, channelFields);
    }
    try {
      await this.inboxes.update(this.tx.manager, id, { ...f, settings });
    } catch (err) {
      if (isForeignKeyViolation(err)) throw notFound('team', String(f.teamId));
      throw err;
    }
    return this.view((await this.inboxes.get(this.tx.manager, id))!);
  }

  async remove(id: string) {
    const inbox = await this.inboxes.withSecrets(this.tx.manager, id);
    if (!inbox) throw notFound('inbox', id);
    await this.inboxes.delete(this.tx.manager, id);
    const adapter = this.channels.get(inbox.channel);
    if (adapter.onRemove) {
      const secrets = inbox.secrets ? this.secretBox.open<Record<string, unknown>>(inbox.secrets) : {};
      await adapter.onRemove({ id: inbox.id, name: inbox.name, channel: inbox.channel, settings: inbox.settings, secrets });
    }
  }

  async members(id: string) {
    if (!(await this.inboxes.get(this.tx.manager, id))) throw notFound('inbox', id);
    return this.inboxes.members(this.tx.manager, id);
  }

  async addMember(id: string, userId: string) {
    if (!(await this.inboxes.get(this.tx.manager, id))) throw notFound('inbox', id);
    if (!(await this.inboxes.addMember(this.tx.manager, id, userId))) throw new DomainError('ALREADY_MEMBER', 'this user is already a member of the inbox');
    return this.inboxes.members(this.tx.manager, id);
  }

  async removeMember(id: string, userId: string) {
    if (!(await this.inboxes.removeMember(this.tx.manager, id, userId))) throw new DomainError('NOT_FOUND', 'this user is not a member of the inbox');
  }

  private view(inbox: InboxRow) {
    return { ...inbox, settings: this.channels.get(inbox.channel).publicSettings(inbox.settings) };
  }
}
