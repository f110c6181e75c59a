/* Fake /proc, /sys and powercap trees for the meter's tests: files written
 * under a temporary root, parents made as needed. */
#ifndef HMLCOST_TESTS_METER_FAKE_TREE_H
#define HMLCOST_TESTS_METER_FAKE_TREE_H

/* Writes text to root/rel, making rel's directories; fails the test when it
 * cannot. */
void fake_tree_write(const char *root, const char *rel, const char *text);

/* Removes the whole tree. */
void fake_tree_remove(const char *root);

#endif
