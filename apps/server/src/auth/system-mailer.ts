import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import nodemailer from 'nodemailer';
import { APP_CONFIG, AppConfig } from '@inbox/core';

export interface SystemMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * The server's own mail (password reset links) through the operator's SMTP server
 * (`SYSTEM_SMTP_URL`), apart from every inbox's mailbox. The address comes from the
 * operator's configuration, not from a user, so the outbound address policy does not apply.
 */
@Injectable()
export class SystemMailer implements OnApplicationShutdown {
  private readonly logger = new Logger(SystemMailer.name);
  private transport: ReturnType<typeof nodemailer.createTransport> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.systemMail !== null;
  }

  async send(mail: SystemMail): Promise<void> {
    const settings = this.config.systemMail;
    if (!settings) throw new Error('system mail is not configured (SYSTEM_SMTP_URL)');
    // Bounded waits: a silent server fails the attempt and the job retries, instead of holding a worker.
    this.transport ??= nodemailer.createTransport({ url: settings.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
    const info = await this.transport.sendMail({ from: settings.from, ...mail });
    this.logger.log({ messageId: info.messageId }, 'system mail sent');
  }

  onApplicationShutdown(): void {
    this.transport?.close();
    this.transport = null;
  }
}
