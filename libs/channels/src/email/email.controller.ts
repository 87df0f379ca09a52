import { Body, Controller, DefaultValuePipe, Get, HttpCode, Param, ParseIntPipe, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, DomainError, Roles } from '@inbox/core';
import { EmailInboxService } from './email-inbox.service';

@ApiTags('inboxes')
@ApiBearerAuth()
@Controller('inboxes')
export class EmailController {
  constructor(private readonly email: EmailInboxService) {}

  /** Mails that could not be parsed or stored, newest first, with the reason. */
  @Roles('admin')
  @Get(':id/quarantine')
  quarantine(@Param('id', ParseUUIDPipe) id: string, @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number) {
    if (limit < 1 || limit > 500) throw new DomainError('VALIDATION_FAILED', 'limit must be between 1 and 500', { fields: { limit: ['must be between 1 and 500'] } });
    return this.email.quarantine(id, limit);
  }

  /** The raw bytes of a quarantined mail, as received (message/rfc822). */
  @Roles('admin')
  @Get(':id/quarantine/:qid/raw')
  async quarantineRaw(@Param('id', ParseUUIDPipe) id: string, @Param('qid', ParseUUIDPipe) qid: string, @Res() res: Response) {
    const raw = await this.email.quarantineRaw(id, qid);
    res.setHeader('content-type', 'message/rfc822');
    res.setHeader('content-disposition', `attachment; filename="quarantine-${qid}.eml"`);
    res.send(raw);
  }

  /**
   * Logs in to IMAP and SMTP with settings not stored yet (the admin form's "Test connection"):
   * per part `{ok, code, message}`, the code translated by the client.
   */
  @Can('inbox.manage')
  @Post('test-email-connection')
  @HttpCode(200)
  testSettings(@Body() body: unknown) {
    return this.email.testSettings(body);
  }

  /** Logs in to IMAP and SMTP with the stored settings and says what is wrong in words an admin can act on. */
  @Can('inbox.manage')
  @Post(':id/test-connection')
  @HttpCode(200)
  testConnection(@Param('id', ParseUUIDPipe) id: string) {
    return this.email.testConnection(id);
  }

  @Roles('admin')
  @Get(':id/email-status')
  status(@Param('id', ParseUUIDPipe) id: string) {
    return this.email.status(id);
  }
}
