import { bounceDetails, classifyMail } from './email-loop.util';

describe('loop and noise detection', () => {
  it.each([
    [{}, 'carla@customer.test', 'Help', 'normal'],
    [{ 'auto-submitted': 'no' }, 'carla@customer.test', 'Help', 'normal'],
    [{ 'auto-submitted': 'auto-replied' }, 'carla@customer.test', 'Re: Help', 'auto-reply'],
    [{ 'auto-submitted': 'auto-generated' }, 'alerts@shop.test', 'Your order', 'auto-reply'],
    [{ 'x-autoreply': 'yes' }, 'carla@customer.test', 'Re: Help', 'auto-reply'],
    [{ 'x-autorespond': 'Out of office' }, 'carla@customer.test', 'Re: Help', 'auto-reply'],
    [{}, 'carla@customer.test', 'Automatic reply: Help', 'auto-reply'],
    [{}, 'carla@customer.test', 'Out of Office: Help', 'auto-reply'],
    [{ precedence: 'bulk' }, 'news@shop.test', 'Deals', 'bulk'],
    [{ precedence: 'list' }, 'list@lists.test', '[list] hi', 'bulk'],
    [{ precedence: 'junk' }, 'x@spam.test', 'win', 'bulk'],
    [{ 'content-type': 'multipart/report; report-type=delivery-status; boundary="x"' }, 'postmaster@mx.test', 'Delivery Status Notification (Failure)', 'bounce'],
    [{}, 'MAILER-DAEMON@mx.test', 'Undelivered Mail Returned to Sender', 'bounce'],
    [{ 'x-failed-recipients': 'nobody@customer.test' }, 'mailer@mx.test', 'failure', 'bounce'],
    [{}, 'postmaster@mx.test', 'Question about your invoice', 'normal'],
  ])('classifies headers %p from %p, subject %p as %p', (headers, from, subject, kind) => {
    expect(classifyMail(headers as Record<string, string>, from, subject).kind).toBe(kind);
  });

  it('reads the diagnostic, the failed recipient and the original Message-ID out of a DSN', () => {
    const dsn = [
      'Message-ID: <bounce-1@mx.test>',
      '',
      'Final-Recipient: rfc822; nobody@customer.test',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 <nobody@customer.test>:',
      '    Recipient address rejected: User unknown',
      '',
      'Message-ID: <our-reply@acme.test>',
    ].join('\r\n');
    const d = bounceDetails(dsn, '<bounce-1@mx.test>');
    expect(d.reason).toBe('bounced: 550 5.1.1 <nobody@customer.test>: Recipient address rejected: User unknown');
    expect(d.failedRecipients).toEqual(['nobody@customer.test']);
    expect(d.originalMessageIds).toEqual(['our-reply@acme.test']);
  });

  it('falls back to the status code, and prefers In-Reply-To when the bounce has one', () => {
    const d = bounceDetails('Status: 4.2.2\r\n', null, '<a@x>', '<root@x> <a@x>');
    expect(d.reason).toBe('bounced: status 4.2.2');
    expect(d.originalMessageIds).toEqual(['a@x', 'root@x']);
  });
});
