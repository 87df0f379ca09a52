import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { ConversationService, DomainError, Principal, Transactions } from '@inbox/core';
import { Can, CurrentPrincipal } from '../http/auth.decorators';
import { AssignmentService } from './assignment.service';
import { QueueStatsService } from '../realtime/queue-stats.service';

export class AssignDto {
  @ApiProperty() @IsUUID() agentId: string;
  @ApiPropertyOptional({ description: 'exceed the agent capacity on purpose (marked in the log)' }) @IsOptional() @IsBoolean() force?: boolean;
}

export class TransferDto {
  @ApiProperty() @IsUUID() teamId: string;
}

export class EscalateDto {
  @ApiProperty({ description: 'the department (team) to send the conversation to' }) @IsUUID() teamId: string;
  @ApiProperty({ description: 'the handoff note the receiving agent reads first (kept as a private note)' }) @IsString() @Length(1, 5000) note: string;
  @ApiPropertyOptional({ description: '0 low, 1 normal, 2 high, 3 urgent' }) @IsOptional() @IsInt() @Min(0) @Max(3) priority?: number;
}

@ApiTags('routing')
@ApiBearerAuth()
@Controller()
export class RoutingController {
  constructor(
    private readonly routing: AssignmentService,
    private readonly conversations: ConversationService,
    private readonly stats: QueueStatsService,
    private readonly tx: Transactions,
  ) {}

  @Can('conversation.assign')
  @Post('conversations/:id/assign')
  @HttpCode(200)
  async assign(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: AssignDto) {
    await this.routing.coordinatorAssign(p, id, dto.agentId, dto.force === true);
    return this.conversations.get(p, id);
  }

  @Can('conversation.takeover')
  @Post('conversations/:id/takeover')
  @HttpCode(200)
  async takeover(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'only a person can take over');
    await this.routing.coordinatorAssign(p, id, p.id, true);
    return this.conversations.get(p, id);
  }

  /** Bots hand over to humans by unassigning or transferring to a team's queue. */
  @Can('conversation.unassign')
  @Post('conversations/:id/unassign')
  @HttpCode(200)
  async unassign(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.routing.unassign(p, id);
    return this.conversations.get(p, id);
  }

  @Can('conversation.transfer')
  @Post('conversations/:id/transfer')
  @HttpCode(200)
  async transfer(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: TransferDto) {
    await this.routing.unassign(p, id, 'transfer', dto.teamId);
    return this.conversations.get(p, id);
  }

  /** An agent who holds or can see the conversation hands it to another department with a note. */
  @Can('conversation.escalate')
  @Post('conversations/:id/escalate')
  @HttpCode(200)
  async escalate(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: EscalateDto) {
    await this.routing.escalate(p, id, dto);
    return this.conversations.get(p, id);
  }

  /** "Assign to me" from the queue of an inbox the agent belongs to (409 over capacity or when someone holds it). */
  @Can('conversation.claim')
  @Post('conversations/:id/claim')
  @HttpCode(200)
  async claim(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.routing.claim(p, id);
    return this.conversations.get(p, id);
  }

  @Can('offer.respond')
  @Post('conversations/:id/offer/accept')
  @HttpCode(200)
  async accept(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'only agents accept offers');
    await this.routing.acceptOffer(p.id, id);
    return this.conversations.get(p, id);
  }

  @Can('offer.respond')
  @Post('conversations/:id/offer/decline')
  @HttpCode(200)
  async decline(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'only agents decline offers');
    await this.routing.declineOffer(p.id, id);
    return { ok: true };
  }

  /** Every assignment change of a conversation, with its reason. */
  @Can('conversation.assignments')
  @Get('conversations/:id/assignments')
  async log(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.conversations.get(p, id);
    return this.tx.manager.query<
      Array<{
        /** bigserial: text from pg. */
        id: string;
        action: string;
        agentId: string | null;
        agentName: string | null;
        previousAgentId: string | null;
        teamId: string | null;
        by: string;
        actorId: string | null;
        reason: string | null;
        reasonCode: string | null;
        overCapacity: boolean;
        createdAt: Date;
      }>
    >(
      `SELECT l.id, l.action, l.agent_id AS "agentId", u.name AS "agentName", l.previous_agent_id AS "previousAgentId", l.team_id AS "teamId", l.by, l.actor_id AS "actorId",
              l.reason, l.reason_code AS "reasonCode", l.over_capacity AS "overCapacity", l.created_at AS "createdAt"
       FROM assignment_log l LEFT JOIN users u ON u.id = l.agent_id WHERE l.conversation_id = $1 ORDER BY l.id`,
      [id],
    );
  }

  @Can('routing.stats')
  @Get('routing/stats')
  queueStats() {
    return this.stats.compute();
  }
}
