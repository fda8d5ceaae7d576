from lockrisk.cli import main

main()
