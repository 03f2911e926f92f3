// Every browser test, in one process: the servers start once (harness.mjs).
import './login.mjs';
import './failures.mjs';
import './account.mjs';
import './layout.mjs';
import './graphiql.mjs';
import './activity.mjs';
import './consent.mjs';
