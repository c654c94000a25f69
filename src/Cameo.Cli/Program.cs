System.Console.WriteLine("cameo");
