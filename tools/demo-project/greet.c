#include <stdio.h>
#include "config.h"

void greet(const char *who)
{
	printf("hello, %s\n", who);
}
