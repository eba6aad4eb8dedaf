/**
 * The published JSON Schemas, imported (not read from disk) so that bundlers inline them and the
 * contract stays free of I/O.
 */
import approvalDecisionSchema from '../../schemas/approval-decision.schema.json' with { type: 'json' };
import orchestrationInputSchema from '../../schemas/orchestration-input.schema.json' with { type: 'json' };
import orchestrationOutputSchema from '../../schemas/orchestration-output.schema.json' with { type: 'json' };
import reportSchema from '../../schemas/report.schema.json' with { type: 'json' };
import runbookSchema from '../../schemas/runbook.schema.json' with { type: 'json' };
import stagingAccountsSchema from '../../schemas/staging-accounts.schema.json' with { type: 'json' };

export {
  approvalDecisionSchema,
  orchestrationInputSchema,
  orchestrationOutputSchema,
  reportSchema,
  runbookSchema,
  stagingAccountsSchema,
};
