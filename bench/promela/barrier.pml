/* Reusable two-phase barrier (two turnstiles), N threads, LAPS rounds each (spin -DN=3 -a).
   Mirrors bench/sync/barrier.sync. Differences from the Sync semantics:
   - weak semaphores are  atomic { s > 0 -> s-- } : a signal does not hand the semaphore to a
     waiter (lbos: the woken waiter moves past its wait at once, no barging);
   - statement granularity differs (SPIN merges local steps, lbos counts every row, including
     the `while` test), so the state counts are not expected to be equal.
   The two asserts are the Sync program's lap-overtaking assertions. Threads finish after LAPS
   rounds (valid end states); a thread stuck in a wait is a deadlock (invalid end state). */
#ifndef N
#define N 3
#endif
#ifndef LAPS
#define LAPS 2
#endif
#define wait(s)   atomic { s > 0 -> s-- }
#define signal(s) s++

byte count = 0;
byte mutex = 1;
byte turnstile = 0;
byte turnstile2 = 1;
byte arrived[LAPS];
byte crit[LAPS];

active [N] proctype worker() {
  byte lap = 0;
  do
  :: lap < LAPS ->
     assert(lap == 0 || crit[lap - 1] == N);
     arrived[lap]++;
     wait(mutex);
     count++;
     if
     :: count == N -> wait(turnstile2); signal(turnstile)
     :: else
     fi;
     signal(mutex);
     wait(turnstile);
     signal(turnstile);
     assert(arrived[lap] == N);
     crit[lap]++;
     wait(mutex);
     count--;
     if
     :: count == 0 -> wait(turnstile); signal(turnstile2)
     :: else
     fi;
     signal(mutex);
     wait(turnstile2);
     signal(turnstile2);
     lap++
  :: else -> break
  od
}
