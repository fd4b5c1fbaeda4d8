/* The smallest useful exec target for the exec-storm benchmark: built
 * -static so an exec costs the kernel's work only (no dynamic loader, no
 * libc start-up beyond _start), and exits 0 at once. */
int main(void)
{
	return 0;
}
