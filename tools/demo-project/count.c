int count_words(int argc)
{
	return argc - 1;
}
