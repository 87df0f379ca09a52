import { Module } from '@nestjs/common';
import { CsatController } from './csat/csat.controller';
import { CsatPage } from './csat/csat-page';
import { ReportInsightsRepository } from './reports/report-insights.repository';
import { QaController } from './qa/qa.controller';
import { QaService } from './qa/qa.service';
import { QaRepository } from './qa/qa.repository';

/**
 * Customer feedback and quality (issue 18): survey settings and ratings, the public rating page,
 * QA scorecards and reviews, and the report queries they add.
 */
@Module({
  controllers: [CsatController, QaController],
  providers: [CsatPage, ReportInsightsRepository, QaService, QaRepository],
  // The reports controller (declared in AppModule) reads the insights beside the base KPIs.
  exports: [ReportInsightsRepository],
})
export class FeedbackModule {}
