import { Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DomainError, InboxRepository, Roles, SecretBox, Transactions, notFound } from '@inbox/core';
import { XChannelAdapter, XSecrets, XSettings } from './x-channel.adapter';

@ApiTags('inboxes')
@ApiBearerAuth()
@Controller('inboxes')
export class XAdminController {
  constructor(
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly secretBox: SecretBox,
    private readonly adapter: XChannelAdapter,
  ) {}

  /** GET /2/users/me with the stored credentials. 200 either way: `problem` says credentials (fix them) or network (try again). */
  @Roles('admin')
  @Post(':id/x/test-connection')
  @HttpCode(200)
  async testConnection(@Param('id', ParseUUIDPipe) id: string) {
    const inbox = await this.inboxes.withSecrets(this.tx.manager, id);
    if (!inbox) throw notFound('inbox', id);
    if (inbox.channel !== 'x') throw new DomainError('CHANNEL_NOT_SUPPORTED', `inbox ${id} is a ${inbox.channel} inbox, not an X inbox`);
    const secrets = inbox.secrets ? this.secretBox.open<XSecrets>(inbox.secrets) : ({} as XSecrets);
    try {
      const me = await this.adapter.testConnection(secrets);
      const expected = (inbox.settings as unknown as XSettings).userId;
      if (me.id !== expected)
        return { ok: false, problem: 'credentials', code: 'VALIDATION_FAILED', field: 'userId', message: `the access token now belongs to account ${me.id}, not ${expected}` };
      return { ok: true, account: { id: me.id, username: me.username, name: me.name } };
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return {
        ok: false,
        problem: err.code === 'UPSTREAM_FAILED' ? 'network' : 'credentials',
        code: err.code,
        field: err.code === 'VALIDATION_FAILED' ? 'accessToken' : null,
        message: err.message,
      };
    }
  }
}
