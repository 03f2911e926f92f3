// Every client test, in one process: the servers start once (servers.mjs).
import './audit.mjs';
import './urql.mjs';
import './others.mjs';
