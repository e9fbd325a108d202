/* Building H2O: one oxygen and N hydrogen threads, looping forever (spin -DN=3 -a).
   Mirrors bench/sync/h2o.sync. Differences from the Sync semantics:
   - weak semaphores are  atomic { s > 0 -> s-- } : a signal does not hand the semaphore to a
     waiter (lbos: the woken waiter moves past its wait at once, no barging);
     hydroQueue.signal(2) is one step that adds 2;
   - Barrier(3) is reusable: the third arrival clears the bitmask of waiters in the same step
     (lbos releases them at once); a released waiter takes one more step here to pass the
     barrier (lbos: none). A mask rather than a generation bit, so that a waiter that has not
     run yet cannot miss its release when the next group completes the barrier;
   - the one-line `if oInGroup + hInGroup == 3: oInGroup = hInGroup = 0` is one atomic step;
   - the invariants oInGroup <= 1 and hInGroup <= 2 are asserted in the same atomic step as the
     increments that could falsify them; lbos checks them after every step;
   - statement granularity differs, so the state counts are not expected to be equal. */
#ifndef N
#define N 2
#endif
#define wait(s)   atomic { s > 0 -> s-- }
#define signal(s) s++
#define barrier_wait() \
  atomic { \
    bcount++; \
    if \
    :: bcount == 3 -> bcount = 0; bwaiting = 0 \
    :: else -> bwaiting = bwaiting | (1 << _pid) \
    fi \
  }; \
  (bwaiting & (1 << _pid)) == 0

byte mutex = 1;
byte oxygen = 0;
byte hydrogen = 0;
byte oxyQueue = 0;
byte hydroQueue = 0;
byte oInGroup = 0;
byte hInGroup = 0;
byte bcount = 0;        /* Barrier(3) */
int bwaiting = 0;       /* bit p: process p waits at the barrier */

active proctype Oxygen() {
  do
  :: wait(mutex);
     oxygen++;
     if
     :: hydrogen >= 2 ->
        hydroQueue = hydroQueue + 2;
        hydrogen = hydrogen - 2;
        signal(oxyQueue);
        oxygen--
     :: else -> signal(mutex)
     fi;
     wait(oxyQueue);
     skip;                                  /* bond() */
     atomic { oInGroup++; assert(oInGroup <= 1) };
     atomic { if :: oInGroup + hInGroup == 3 -> oInGroup = 0; hInGroup = 0 :: else fi };
     barrier_wait();
     signal(mutex)
  od
}

active [N] proctype Hydrogen() {
  do
  :: wait(mutex);
     hydrogen++;
     if
     :: hydrogen >= 2 && oxygen >= 1 ->
        hydroQueue = hydroQueue + 2;
        hydrogen = hydrogen - 2;
        signal(oxyQueue);
        oxygen--
     :: else -> signal(mutex)
     fi;
     wait(hydroQueue);
     skip;                                  /* bond() */
     atomic { hInGroup++; assert(hInGroup <= 2) };
     atomic { if :: oInGroup + hInGroup == 3 -> oInGroup = 0; hInGroup = 0 :: else fi };
     barrier_wait()
  od
}
