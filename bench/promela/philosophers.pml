/* Dining philosophers, footman solution, N philosophers looping forever (spin -DN=5 -a).
   Mirrors bench/sync/philosophers.sync. Differences from the Sync semantics:
   - weak semaphores are modelled as  atomic { s > 0 -> s-- } : a signal does not hand the
     semaphore to a waiter (lbos: the woken waiter moves past its wait at once, no barging);
     so a signaller may re-acquire at once here. Both are weak; safety verdicts agree.
   - the fork-exclusion invariant is an assert in the same atomic step as eating[i] = 1
     (the only step that can falsify it); lbos checks the ## Invariant after every step.
   - statement granularity differs (the procedure calls get_forks/put_forks are steps in
     lbos, SPIN merges local steps), so the state counts are not expected to be equal.
   Deadlock = invalid end state (every philosopher loops, none may block for ever). */
#ifndef N
#define N 5
#endif
#define wait(s)   atomic { s > 0 -> s-- }
#define signal(s) s++
#define i _pid
#define left  (i)
#define right ((i + 1) % N)

byte fork[N] = 1;
byte footman = N - 1;
bool eating[N];

active [N] proctype philosopher() {
  do
  :: skip;                 /* think() */
     wait(footman);        /* get_forks(i) */
     wait(fork[right]);
     wait(fork[left]);
     atomic { eating[i] = 1; assert(!eating[(i + 1) % N] && !eating[(i + N - 1) % N]) };
     eating[i] = 0;
     signal(fork[right]);  /* put_forks(i) */
     signal(fork[left]);
     signal(footman)
  od
}
