import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, Equals, IsEmail, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { AccessService, ContactRepository, ConversationService, DomainError, Principal, Transactions, decodeCursor, encodeCursor, notFound } from '@inbox/core';
import { Can, CurrentPrincipal } from '../http/auth.decorators';

export class ListContactsQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) search?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() cursor?: string;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class UpdateContactDto {
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(200) name?: string | null;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsEmail() email?: string | null;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(40) phone?: string | null;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(10_000) notes?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsString({ each: true }) @MaxLength(60, { each: true }) @ArrayMaxSize(30) labels?: string[];
}

export class MergeContactDto {
  @ApiProperty({ description: 'the contact folded into this one' }) @IsUUID() sourceId: string;
  /** A merge moves identities and history for good: the caller says so explicitly. */
  @ApiProperty({ description: 'must be true: a merge cannot be undone' }) @Equals(true, { message: 'must be true to confirm the merge (it cannot be undone)' }) confirm: boolean;
}

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('contacts')
export class ContactsController {
  constructor(
    private readonly tx: Transactions,
    private readonly contacts: ContactRepository,
    private readonly conversations: ConversationService,
    private readonly access: AccessService,
  ) {}

  /** Agents list the contacts who wrote to their inboxes; scoped bots those of their inboxes; coordinators, admins and unscoped bots all. */
  @Can('contact.read')
  @Get()
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListContactsQuery) {
    const limit = q.limit ?? 50;
    const items = await this.contacts.list(this.tx.manager, {
      search: q.search,
      limit: limit + 1,
      cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
      ...this.access.listScope(p),
    });
    const more = items.length > limit;
    if (more) items.pop();
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
  }

  /** The contact with identities across channels and conversations from every channel the caller may see. */
  @Can('contact.read')
  @Get(':id')
  async get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.access.assertCanSeeContact(this.tx.manager, p, id);
    const contact = await this.contacts.get(this.tx.manager, id);
    if (!contact) throw notFound('contact', id);
    const { items } = await this.conversations.list(p, { contactId: id, limit: 100 });
    return { ...contact, conversations: items };
  }

  @Can('contact.update')
  @Patch(':id')
  async update(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateContactDto) {
    await this.access.assertCanSeeContact(this.tx.manager, p, id);
    if (!(await this.contacts.get(this.tx.manager, id))) throw notFound('contact', id);
    await this.contacts.update(this.tx.manager, id, dto);
    return this.contacts.get(this.tx.manager, id);
  }

  /**
   * Folds `sourceId` into `:id`: identities, conversations and history move; the source disappears
   * from lists. Replies of every conversation still go to the identity it came from.
   */
  @Can('contact.merge')
  @Post(':id/merge')
  async merge(@Param('id', ParseUUIDPipe) id: string, @Body() dto: MergeContactDto) {
    if (id === dto.sourceId) throw new DomainError('VALIDATION_FAILED', 'cannot merge a contact into itself', { fields: { sourceId: ['must differ from the target'] } });
    await this.tx.run(async ({ em }) => {
      if (!(await this.contacts.get(em, id))) throw notFound('contact', id);
      if (!(await this.contacts.get(em, dto.sourceId))) throw notFound('contact', dto.sourceId);
      await this.contacts.merge(em, id, dto.sourceId);
    });
    return this.contacts.get(this.tx.manager, id);
  }
}
