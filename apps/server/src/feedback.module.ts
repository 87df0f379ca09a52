import { Module } from '@nestjs/common';
import { CsatController } from './csat/csat.controller';
import { CsatPage } from './csat/csat-page';

/**
 * Customer feedback and quality (issue 18): survey settings and ratings, the public rating page,
 * QA scorecards and reviews, and the report queries they add.
 */
@Module({
  controllers: [CsatController],
  providers: [CsatPage],
  exports: [],
})
export class FeedbackModule {}
