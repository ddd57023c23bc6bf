import { createMemoryStateStore } from '../../../shared/state/memory.ts';
import { stateStoreContract } from './contract.ts';

stateStoreContract('in-memory', createMemoryStateStore);
