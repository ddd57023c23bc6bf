import {
  createMemoryBudgetStore,
  createMemoryOverflowStore,
} from '../../../shared/state/send-budget-memory.ts';
import { budgetStoreContract, overflowStoreContract } from './send-budget-contract.ts';

budgetStoreContract('memory', () => createMemoryBudgetStore());
overflowStoreContract('memory', () => createMemoryOverflowStore());
