import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { DomainError, Transactions } from '@inbox/core';
import { Can } from '../http/auth.decorators';
import { AutomationRuleRepository } from './automation-rule.repository';
import { RULE_ACTION_TYPES, RULE_EVENTS, RULE_FIELDS, RULE_OPERATORS, RuleInput, validateRule } from './rule-conditions.util';

const ruleNotFound = (id: string) => new DomainError('NOT_FOUND', `automation rule ${id} not found`, { id });

function checked(body: unknown, current?: RuleInput): RuleInput {
  const out = validateRule(body, current);
  if (!out.ok)
    throw new DomainError(
      'VALIDATION_FAILED',
      Object.entries(out.fields)
        .map(([k, v]) => `${k}: ${v.join(', ')}`)
        .join('; '),
      { fields: out.fields },
    );
  return out.rule;
}

const EXAMPLE = {
  name: 'Refunds to Billing',
  enabled: true,
  event: 'message.created',
  conditions: [{ field: 'message_text', operator: 'contains', value: ['refund', 'remboursement'] }],
  actions: [
    { type: 'add_label', label: 'refund' },
    { type: 'set_team', teamId: '…' },
    { type: 'set_priority', priority: 2 },
  ],
  order: 0,
};

/** Automation rules (admins). Validation errors name the field (`conditions.0.value`, `actions.1.teamId`). */
@ApiTags('automation')
@ApiBearerAuth()
@Controller('automation-rules')
export class AutomationRulesController {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: AutomationRuleRepository,
  ) {}

  /** What the admin screen offers. */
  @Can('rules.manage')
  @Get('catalog')
  catalog() {
    return { events: RULE_EVENTS, fields: RULE_FIELDS, operators: RULE_OPERATORS, actions: RULE_ACTION_TYPES };
  }

  @Can('rules.manage')
  @Get()
  list() {
    return this.repo.list(this.tx.manager);
  }

  @Can('rules.manage')
  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return (await this.repo.get(this.tx.manager, id)) ?? Promise.reject(ruleNotFound(id));
  }

  @Can('rules.manage')
  @ApiBody({ schema: { example: EXAMPLE } })
  @Post()
  create(@Body() body: Record<string, unknown>) {
    return this.repo.create(this.tx.manager, checked(body));
  }

  @Can('rules.manage')
  @ApiBody({ schema: { example: { enabled: false } } })
  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: Record<string, unknown>) {
    const current = await this.repo.get(this.tx.manager, id);
    if (!current) throw ruleNotFound(id);
    const { id: _id, createdAt: _c, updatedAt: _u, ...stored } = current;
    return (await this.repo.update(this.tx.manager, id, checked(body, stored)))!;
  }

  @Can('rules.manage')
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string) {
    if (!(await this.repo.delete(this.tx.manager, id))) throw ruleNotFound(id);
  }
}
