#include <stdio.h>

void greet(const char *who);
int count_words(int argc);

int main(int argc, char **argv)
{
	greet("build");
	printf("words: %d\n", count_words(argc));
	return 0;
}
