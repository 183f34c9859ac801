import { describe } from 'vitest';
import { recoveryTests } from './recovery.js';

describe('parameter recovery: index', () => recoveryTests('index', [1, 2]));
