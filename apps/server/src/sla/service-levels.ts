import { SlaRepository } from './sla.repository';
import { SlaService } from './sla.service';
import { SlaPoliciesController } from './sla-policies.controller';
import { TimersRepository } from '../timers/timers.repository';
import { SnoozeService } from '../timers/snooze.service';
import { TimersSweep } from '../timers/timers-sweep.service';
import { AutomationRuleRepository } from '../automation/automation-rule.repository';
import { AutomationService } from '../automation/automation.service';
import { AutomationRulesController } from '../automation/automation-rules.controller';
import { SlaReportRepository } from '../reports/sla-report.repository';

/** Service levels, timers and automation rules (issue 16), registered by AppModule in one line each. */
export const SERVICE_LEVEL_CONTROLLERS = [SlaPoliciesController, AutomationRulesController];
export const SERVICE_LEVEL_PROVIDERS = [SlaRepository, SlaService, TimersRepository, SnoozeService, TimersSweep, AutomationRuleRepository, AutomationService, SlaReportRepository];
