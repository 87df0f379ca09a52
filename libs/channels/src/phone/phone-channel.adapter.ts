import { Injectable } from '@nestjs/common';
import { ChannelAdapter, ConfiguredInbox, DomainError, OutboundContext, PermanentSendError, SendResult, hashToken, newToken } from '@inbox/core';

export interface PhoneSettings {
  number: string | null;
}

/** The code an agent reads when they type a reply in a phone conversation (the web app translates it). */
export const PHONE_SEND_ERROR_CODES = ['PHONE_NO_MESSAGES'] as const;

/**
 * A phone inbox is a line of a telephony system (CTI, PBX, a voice bot). The system reports
 * calls with the inbox token (`POST /inboxes/:id/calls`); calls are timeline entries. There
 * is nothing to send: agents call back and the call is reported (or logged by hand).
 */
@Injectable()
export class PhoneChannelAdapter implements ChannelAdapter {
  readonly kind = 'phone' as const;

  async configure(input: Record<string, unknown>): Promise<ConfiguredInbox> {
    const number = input.number;
    if (number !== undefined && number !== null && (typeof number !== 'string' || !/^\+?[0-9][0-9 ().-]{1,38}$/.test(number.trim()))) {
      throw new DomainError('VALIDATION_FAILED', 'number: must be a phone number such as +380441234567', { fields: { number: ['must be a phone number such as +380441234567'] } });
    }
    const token = newToken('inb');
    return { settings: { number: typeof number === 'string' ? number.trim() : null } satisfies PhoneSettings, secrets: {}, revealOnce: { token }, tokenHash: hashToken(token) };
  }

  publicSettings(settings: Record<string, unknown>): Record<string, unknown> {
    return { number: (settings as unknown as PhoneSettings).number ?? null };
  }

  async send(_ctx: OutboundContext): Promise<SendResult> {
    throw new PermanentSendError('PHONE_NO_MESSAGES: a phone inbox cannot send messages; call the customer back and log the call');
  }
}
