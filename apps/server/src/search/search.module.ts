import { Module } from '@nestjs/common';
import { HelpCentre } from '../knowledge/help-centre';
import { KnowledgeController } from '../knowledge/knowledge.controller';
import { KnowledgeRepository } from '../knowledge/knowledge.repository';
import { KnowledgeService } from '../knowledge/knowledge.service';
import { PublicKnowledgeController } from '../knowledge/public-knowledge.controller';
import { SearchController } from './search.controller';
import { SearchRepository } from './search.repository';
import { SearchService } from './search.service';

/** Search over conversations, messages, contacts and articles, and the knowledge base that articles live in. */
@Module({
  controllers: [SearchController, KnowledgeController, PublicKnowledgeController],
  providers: [SearchRepository, SearchService, KnowledgeRepository, KnowledgeService, HelpCentre],
  exports: [SearchService],
})
export class SearchModule {}
