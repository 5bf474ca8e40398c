// PCRE2 needs the code unit width chosen before the header; Swift then sees the *_8 functions.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
