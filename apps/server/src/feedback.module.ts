import { Module } from '@nestjs/common';
import { CsatController } from './csat/csat.controller';
import { CsatPage } from './csat/csat-page';
import { ReportInsightsRepository } from './reports/report-insights.repository';

/**
 * Customer feedback and quality (issue 18): survey settings and ratings, the public rating page,
 * QA scorecards and reviews, and the report queries they add.
 */
@Module({
  controllers: [CsatController],
  providers: [CsatPage, ReportInsightsRepository],
  // The reports controller (declared in AppModule) reads the insights beside the base KPIs.
  exports: [ReportInsightsRepository],
})
export class FeedbackModule {}
