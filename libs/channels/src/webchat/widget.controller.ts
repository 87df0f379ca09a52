import { Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { existsSync, readFileSync, statSync, createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { DomainError, Public, isValidContentType, safeContentType } from '@inbox/core';
import { WIDGET_ALLOWED_UPLOAD_TYPES, WIDGET_MAX_UPLOAD_BYTES, WebchatVisitorService } from './webchat-visitor.service';

/** Where the widget build lands, whether the server runs from source (tests) or from dist/. */
export function widgetBundleCandidates(): string[] {
  return [resolve(process.cwd(), 'dist/widget/widget.js'), resolve(__dirname, '../../../../widget/widget.js'), resolve(__dirname, '../../../../dist/widget/widget.js')];
}

/** The public side of web chat: the script itself, config, history and file uploads for visitors. */
@ApiTags('widget')
@Public()
@Controller('widget')
export class WidgetController {
  private bundle: { path: string; mtimeMs: number; body: Buffer } | null = null;

  constructor(private readonly visitors: WebchatVisitorService) {}

  @Get('widget.js')
  script(@Res() res: Response) {
    const path = widgetBundleCandidates().find((p) => existsSync(p));
    if (!path) throw new DomainError('NOT_FOUND', 'the widget bundle is not built: run `npx vite build --config apps/widget/vite.config.ts`');
    const { mtimeMs } = statSync(path);
    if (!this.bundle || this.bundle.path !== path || this.bundle.mtimeMs !== mtimeMs) this.bundle = { path, mtimeMs, body: readFileSync(path) };
    res.set({
      'content-type': 'application/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
    });
    res.send(this.bundle.body);
  }

  @Get(':websiteToken/config')
  async config(@Param('websiteToken') websiteToken: string, @Headers('origin') origin?: string) {
    return this.visitors.config(await this.visitors.inboxFor(websiteToken, origin));
  }

  @Get(':websiteToken/messages')
  async messages(@Param('websiteToken') websiteToken: string, @Headers('x-visitor-token') visitorToken?: string, @Headers('origin') origin?: string) {
    const inbox = await this.visitors.inboxFor(websiteToken, origin);
    const session = await this.visitors.authenticate(inbox, visitorToken);
    return { items: await this.visitors.history({ inbox, session }) };
  }

  /** One file per request, the raw bytes as the body; the client id makes a retried upload a no-op. */
  @Post(':websiteToken/attachments')
  @HttpCode(201)
  async upload(
    @Param('websiteToken') websiteToken: string,
    @Query('clientId') clientId: string,
    @Query('text') text: string | undefined,
    @Headers('x-visitor-token') visitorToken: string | undefined,
    @Headers('x-file-name') fileNameHeader: string | undefined,
    @Headers('origin') origin: string | undefined,
    @Req() req: Request,
  ) {
    const inbox = await this.visitors.inboxFor(websiteToken, origin);
    const session = await this.visitors.authenticate(inbox, visitorToken);
    const contentType = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (contentType && !isValidContentType(contentType))
      throw new DomainError('VALIDATION_FAILED', 'content-type is not a MIME type', { fields: { 'content-type': ['not a MIME type'] } });
    if (!WIDGET_ALLOWED_UPLOAD_TYPES.test(contentType))
      throw new DomainError('VALIDATION_FAILED', `files of type ${contentType || '(none)'} are not accepted; send images, PDF, text or zip`);
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > WIDGET_MAX_UPLOAD_BYTES) throw new DomainError('PAYLOAD_TOO_LARGE', `a file is at most ${WIDGET_MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
    const data = await readLimited(req, WIDGET_MAX_UPLOAD_BYTES);
    if (data.length === 0) throw new DomainError('VALIDATION_FAILED', 'the file is empty');
    const fileName = fileNameFrom(fileNameHeader);
    const r = await this.visitors.send({ inbox, session }, { clientId, text: text ?? '' }, { fileName, contentType, data });
    return r;
  }

  /** Through a short-lived signed link (`?exp=&sig=`, from the message's `url`), never a visitor token in the URL. */
  @Get(':websiteToken/attachments/:id')
  async download(
    @Param('websiteToken') websiteToken: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Query('exp') exp: string | undefined,
    @Query('sig') sig: string | undefined,
    @Headers('origin') origin: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const inbox = await this.visitors.inboxFor(websiteToken, origin, { allowMissingOrigin: true });
    const a = await this.visitors.signedAttachment(inbox, id, exp, sig);
    if (!a) throw new DomainError('NOT_FOUND', `attachment ${id} not found`);
    const inline = /^image\/(png|jpeg|gif|webp)$/.test(a.contentType);
    res.set({
      'content-type': safeContentType(a.contentType),
      'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(a.fileName)}`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=3600',
      'cross-origin-resource-policy': 'cross-origin',
    });
    return a.data ? new StreamableFile(a.data) : new StreamableFile(createReadStream(join(a.storagePath!)));
  }
}

/** X-File-Name is URI-encoded by the widget; anything undecodable is the client's mistake, a 400. */
export function fileNameFrom(header: string | undefined): string {
  if (header === undefined) return 'file';
  let name: string;
  try {
    name = decodeURIComponent(header);
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'x-file-name is not a URI-encoded file name', { fields: { 'x-file-name': ['not URI-encoded (encodeURIComponent)'] } });
  }
  return name.replace(/[\\/\x00-\x1f\x7f]/g, '_').slice(0, 200) || 'file';
}

/** Reads a request body up to `limit` bytes; more is a 413 and nothing is stored. */
function readLimited(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        req.resume();
        reject(new DomainError('PAYLOAD_TOO_LARGE', `a file is at most ${limit / 1024 / 1024} MB`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => !done && ((done = true), resolvePromise(Buffer.concat(chunks))));
    req.on('error', (err) => !done && ((done = true), reject(err)));
  });
}
