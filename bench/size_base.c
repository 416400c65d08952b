/*
 * size_base.c - the empty program size_probe.c is measured against
 * (start-up code, same flags).
 */
int
main(void)
{
    return 0;
}
