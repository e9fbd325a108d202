/* The barbershop: N looping customers, one barber, room for NCH = 2 customers; a customer who
   finds the shop full balks (ends). (spin -DN=3 -a) Mirrors bench/sync/barbershop.sync.
   Differences from the Sync semantics:
   - weak semaphores are  atomic { s > 0 -> s-- } : a signal does not hand the semaphore to a
     waiter (lbos: the woken waiter moves past its wait at once, no barging);
   - the invariants customers <= n and inChair <= 1 are asserted in the same atomic step as the
     increments that could falsify them; lbos checks them after every step;
   - statement granularity differs, so the state counts are not expected to be equal.
   A balked customer ends (valid end state); anyone stuck in a wait is a deadlock. */
#ifndef N
#define N 3
#endif
#define NCH 2
#define wait(s)   atomic { s > 0 -> s-- }
#define signal(s) s++

byte customers = 0;
byte mutex = 1;
byte customer = 0;
byte barber = 0;
byte customerDone = 0;
byte barberDone = 0;
bool cutting = 0;
byte inChair = 0;

active [N] proctype Customer() {
  do
  :: wait(mutex);
     if
     :: customers == NCH -> signal(mutex); goto balk
     :: else
     fi;
     atomic { customers++; assert(customers <= NCH) };
     signal(mutex);
     signal(customer);
     wait(barber);
     atomic { inChair++; assert(inChair <= 1) };
     assert(cutting);
     skip;                    /* getHairCut() */
     inChair--;
     signal(customerDone);
     wait(barberDone);
     wait(mutex);
     customers--;
     signal(mutex)
  od;
balk:
  skip                        /* balk() */
}

active proctype Barber() {
  do
  :: wait(customer);
     cutting = 1;
     signal(barber);
     skip;                    /* cutHair() */
     wait(customerDone);
     cutting = 0;
     signal(barberDone)
  od
}
