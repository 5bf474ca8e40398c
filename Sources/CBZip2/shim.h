// Debian 12 ships no bzip2.pc: the header is in /usr/include and the library is linked by name.
#include <bzlib.h>
